#!/usr/bin/env bash
# Matches per second and latency of MatchingService.FindProviders on the demo data, next to a bare
# Redis GEOSEARCH at the same concurrency. Starts its own Redis and service on free loopback ports
# and stops both on exit.
#
#   ./bench.sh            50 callers, 20 s measured after 15 s warm-up (a fresh service speeds up for ~10 s)
#   ./bench.sh --smoke    4 callers, 3 s: does it all still work?
#
# Overrides: BENCH_CONCURRENCY, BENCH_DURATION, BENCH_WARMUP (seconds), BENCH_SEED (request mix),
# BENCH_GEO_REQUESTS (redis-benchmark -n). Writes bench-results/bench.json and bench-results/bench.md;
# the Redis and service logs end up next to them.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$root/bench-results

case "${1:-}" in
  "") concurrency=50 duration=20 warmup=15 geo_requests=100000 hold_rounds=20 hold_places=5 ;;
  --smoke) concurrency=4 duration=3 warmup=1 geo_requests=5000 hold_rounds=2 hold_places=2 ;;
  *) echo "usage: $0 [--smoke]" >&2; exit 64 ;;
esac
concurrency=${BENCH_CONCURRENCY:-$concurrency}
duration=${BENCH_DURATION:-$duration}
warmup=${BENCH_WARMUP:-$warmup}
geo_requests=${BENCH_GEO_REQUESTS:-$geo_requests}
seed=${BENCH_SEED:-2026}

redis_pid="" service_pid=""
stop() {
  if [[ -n $1 ]] && kill -0 "$1" 2>/dev/null; then
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}
cleanup() {
  stop "$service_pid"
  stop "$redis_pid"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The first port from $1 up that can be bound on loopback and is not among the other arguments.
free_port() {
  python3 - "$@" <<'EOF'
import socket, sys
start, taken = int(sys.argv[1]), {int(p) for p in sys.argv[2:]}
for port in range(start, start + 200):
    if port in taken:
        continue
    with socket.socket() as s:
        # As the servers will: a port with only TIME_WAIT connections left is free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
    print(port)
    break
else:
    sys.exit(f"no free port from {start}")
EOF
}

mkdir -p "$out"
rm -f "$out"/bench.json "$out"/bench.md "$out"/holds.json "$out"/holds.md "$out"/geosearch.csv

echo "==> build (Release)"
dotnet build -c Release -nologo -v quiet "$root/src/Capacity.Service/Capacity.Service.csproj"
dotnet build -c Release -nologo -v quiet "$root/tools/Capacity.Bench/Capacity.Bench.csproj"

redis_port=$(free_port 6390)
echo "==> redis-server on 127.0.0.1:$redis_port"
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
  --logfile "$out/redis.log" &
redis_pid=$!
for _ in $(seq 50); do
  redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$redis_port" ping >/dev/null || { echo "redis-server did not start:" >&2; cat "$out/redis.log" >&2; exit 1; }

web_port=$(free_port 5180 "$redis_port")
grpc_port=$(free_port 5181 "$redis_port" "$web_port")
echo "==> service with demo data, gRPC on 127.0.0.1:$grpc_port"
# Run the built assembly rather than `dotnet run`, so the pid is the service's and `kill` stops it.
# Its directory is the content root, where appsettings.json (endpoint protocols) lives.
(
  cd "$root/src/Capacity.Service"
  export Demo__Seed=true Redis__Configuration="127.0.0.1:$redis_port" \
    Kestrel__Endpoints__Web__Url="http://127.0.0.1:$web_port" Kestrel__Endpoints__Grpc__Url="http://127.0.0.1:$grpc_port"
  exec dotnet bin/Release/net10.0/Capacity.Service.dll
) >"$out/service.log" 2>&1 &
service_pid=$!
deadline=$((SECONDS + 60))
until grep -q "Capacity is ready." "$out/service.log"; do
  if ! kill -0 "$service_pid" 2>/dev/null || ((SECONDS >= deadline)); then
    echo "the service did not get ready within 60 s; its log:" >&2
    cat "$out/service.log" >&2
    exit 1
  fi
  sleep 0.2
done

# The comparison runs first so the bench tool can put both figures and their ratio in one report.
echo "==> redis-benchmark GEOSEARCH, $concurrency clients, $geo_requests requests"
python3 - "$root/src/Capacity.Service/Geography/Data/pc4.csv" <<'EOF' | redis-cli -p "$redis_port" --pipe >/dev/null
# GEOADD bench:geo lon lat pc4 for every PC4 centroid, as RESP for redis-cli --pipe. csv, because
# some municipality names are quoted and hold commas.
import csv, sys
def command(*args):
    return f"*{len(args)}\r\n" + "".join(f"${len(a.encode())}\r\n{a}\r\n" for a in args)
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
for i in range(0, len(rows), 500):
    sys.stdout.write(command("GEOADD", "bench:geo", *(v for r in rows[i:i + 500] for v in (r["lon"], r["lat"], r["pc4"]))))
EOF
members=$(redis-cli -p "$redis_port" ZCARD bench:geo)
((members > 4000)) || { echo "GEO key holds only $members members" >&2; exit 1; }
redis-benchmark -h 127.0.0.1 -p "$redis_port" -c "$concurrency" -n "$geo_requests" --csv \
  GEOSEARCH bench:geo FROMLONLAT 4.86 52.3 BYRADIUS 15 km ASC >"$out/geosearch.csv"
redis-cli -p "$redis_port" DEL bench:geo >/dev/null

echo "==> FindProviders, $concurrency callers, ${warmup} s warm-up + ${duration} s"
status=0
dotnet "$root/tools/Capacity.Bench/bin/Release/net10.0/Capacity.Bench.dll" \
  --target "http://127.0.0.1:$grpc_port" --concurrency "$concurrency" --duration "$duration" --warmup "$warmup" \
  --seed "$seed" --json "$out/bench.json" --markdown "$out/bench.md" \
  --geosearch-csv "$out/geosearch.csv" --geosearch-members "$members" || status=$?

echo "==> racing for the last places: $hold_rounds rounds of $concurrency offers on $hold_places places"
dotnet "$root/tools/Capacity.Bench/bin/Release/net10.0/Capacity.Bench.dll" holds \
  --target "http://127.0.0.1:$grpc_port" --rounds "$hold_rounds" --racers "$concurrency" --places "$hold_places" \
  --json "$out/holds.json" --markdown "$out/holds.md" || status=$?

for report in bench.md holds.md; do
  if [[ -f $out/$report ]]; then
    echo
    cat "$out/$report"
  fi
done
if ((status != 0)); then
  echo "benchmark failed (exit $status); last lines of the service log:" >&2
  tail -n 40 "$out/service.log" >&2
fi
exit "$status"
