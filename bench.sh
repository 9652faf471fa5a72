#!/usr/bin/env bash
# The whole benchmark in one command: starts its own Redis and service on free loopback ports,
# measures what raw Redis does on this machine (redis-benchmark GEOSEARCH and HSET -P 16 at the
# same concurrency), loads a full-Netherlands scenario through the service's gRPC API (the capacity
# ingest measurement), then measures searches (closed and open loop), SignalR pushes with 1,000
# connected clients, 1,000 racers for one last place, memory, and last the capacity history (the memory one
# simulated day of publishing takes, extrapolated to what is kept, and the write rate with and without it).
# Stops both servers on exit.
#
#   ./bench.sh            scenario `national`, 50 callers; takes about 3 minutes
#   ./bench.sh --smoke    scenario `small`, a few callers, seconds per phase: do the tools still work?
#   ./bench.sh --fsync everysec|always|no|off [--smoke]
#                         what persistence costs: Redis with the append-only file on and that fsync
#                         policy (off: no append-only file, the baseline); only the scenario's load (the
#                         ingest figure) and referral steps in a closed loop (16 callers).
#                         scripts/fsync-cost.sh runs everysec and always side by side.
#   ./bench.sh --topology single|cluster|two [--smoke]
#                         where the service runs: single (the default) one instance on one Redis;
#                         cluster one instance on a 3-master Redis Cluster (redis-server --cluster-enabled
#                         on loopback, no replicas); two: two instances on that cluster behind the proxy
#                         (tools/Capacity.Proxy, YARP), which the load generator calls. The yardsticks
#                         (redis-benchmark) always run on one plain redis-server. Writes bench-<topology>.json/.md
#                         (single: bench.json/.md); the service's CPU and memory figures are the first
#                         instance's. scripts/bench-scale.sh runs all three.
#
# The default run keeps Redis in memory only (--appendonly no), as it always did, so its figures stay
# comparable with earlier runs; README "Operations: durability" says what AOF costs.
# Every call signs in as the party that would make it (a hospital's transfer nurse searches, providers
# publish their own figures, ...), with tokens signed by a key made for the run, and the per-caller rate
# limiter stays on (with limits no bench caller reaches); the h2load part also calls the health check
# anonymously, so what the security layer costs an empty call shows as a ratio.
# Overrides: BENCH_PRESET, BENCH_SEED, BENCH_CONCURRENCY, BENCH_DURATION, BENCH_WARMUP (seconds).
# Writes bench-results/bench.json and bench-results/bench.md (with --fsync: fsync-<policy>.json/.md);
# the Redis and service logs end up next to them.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$root/bench-results
# shellcheck source=scripts/setup.sh
source "$root/scripts/setup.sh"
ensure_dotnet
ensure_packages redis-server redis-server redis-benchmark redis-tools h2load nghttp2-client python3 python3

usage() { echo "usage: $0 [--smoke] [--fsync everysec|always|no|off] [--topology single|cluster|two]" >&2; exit 64; }
smoke="" fsync="" topology=single
while (($#)); do
  case $1 in
    --smoke) smoke=1 ;;
    --fsync) (($# > 1)) || usage; fsync=$2; shift ;;
    --topology) (($# > 1)) || usage; topology=$2; shift ;;
    *) usage ;;
  esac
  shift
done
case $fsync in ""|everysec|always|no|off) ;; *) usage ;; esac
case $topology in single|cluster|two) ;; *) usage ;; esac
[[ -z $fsync || $topology == single ]] || { echo "--fsync measures one Redis: not with --topology $topology" >&2; exit 64; }
name=bench
[[ $topology == single ]] || name=bench-$topology
if [[ -z $smoke ]]; then
  preset=national concurrency=50 duration=20 warmup=10 geo_requests=200000 hset_requests=3000000
  run_args=(--open-rate 1000 --open-duration 20 --publish-rate 500 --listeners 1000 --searches 200 --probes 200
            --hold-racers 1000 --hold-rounds 3 --ingest-rounds 3 --history-changes 1)
  fsync_args=(--concurrency 16 --ingest-rounds 3)
else
  preset=small concurrency=4 duration=2 warmup=1 geo_requests=5000 hset_requests=50000
  run_args=(--open-rate 100 --open-duration 2 --publish-rate 50 --listeners 20 --searches 5 --probes 10
            --hold-racers 50 --hold-rounds 1 --ingest-rounds 1 --history-changes 1)
  fsync_args=(--concurrency 4 --ingest-rounds 1)
fi
preset=${BENCH_PRESET:-$preset}
seed=${BENCH_SEED:-1}
concurrency=${BENCH_CONCURRENCY:-$concurrency}
duration=${BENCH_DURATION:-$duration}
warmup=${BENCH_WARMUP:-$warmup}

redis_pid="" service_pid="" service2_pid="" proxy_pid="" cluster_pids=()
stop() {
  if [[ -n $1 ]] && kill -0 "$1" 2>/dev/null; then
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}
cleanup() {
  stop "$proxy_pid"
  stop "$service2_pid"
  stop "$service_pid"
  for pid in "${cluster_pids[@]}"; do stop "$pid"; done
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
if [[ -z $fsync ]]; then
  rm -f "$out/$name.json" "$out/$name.md" "$out"/holds.json "$out"/holds.md "$out"/geosearch.csv "$out"/hset.csv
else
  rm -f "$out/fsync-$fsync.json" "$out/fsync-$fsync.md"
fi

echo "==> build (Release)"
dotnet build -c Release -nologo -v quiet "$root/src/Capacity.Service/Capacity.Service.csproj"
dotnet build -c Release -nologo -v quiet "$root/tools/Capacity.Bench/Capacity.Bench.csproj"
[[ $topology != two ]] || dotnet build -c Release -nologo -v quiet "$root/tools/Capacity.Proxy/Capacity.Proxy.csproj"

redis_port=$(free_port 6390)
if [[ -z $fsync || $fsync == off ]]; then
  persistence=(--appendonly no)
else
  # A fresh append-only file each run, on the same disk as the repository (as a deployment's volume would be).
  rm -rf "$out/redis-data"
  mkdir -p "$out/redis-data"
  persistence=(--appendonly yes --appendfsync "$fsync" --dir "$out/redis-data")
fi
echo "==> redis-server on 127.0.0.1:$redis_port (${persistence[*]})"
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" "${persistence[@]}" --daemonize no \
  --logfile "$out/redis.log" &
redis_pid=$!
for _ in $(seq 50); do
  redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$redis_port" ping >/dev/null || { echo "redis-server did not start:" >&2; cat "$out/redis.log" >&2; exit 1; }
service_redis="127.0.0.1:$redis_port"
taken=("$redis_port")

if [[ $topology != single ]]; then
  # Three masters, no replicas: what the cluster costs and carries, not its failover (the tests kill
  # masters). The plain server above stays for the yardsticks only.
  seeds=()
  for n in 1 2 3; do
    port=$(free_port 7390 "${taken[@]}" $((${taken[-1]} + 10000)))
    taken+=("$port")
    node_dir=$out/cluster-node-$n
    rm -rf "$node_dir" && mkdir -p "$node_dir"
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$node_dir" --daemonize no \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 15000 --cluster-require-full-coverage no \
      --logfile "$out/redis-cluster-$n.log" &
    cluster_pids+=($!)
    seeds+=("127.0.0.1:$port")
  done
  for seed_node in "${seeds[@]}"; do
    for _ in $(seq 50); do redis-cli -p "${seed_node#*:}" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  echo "==> Redis Cluster of three masters on ${seeds[*]}"
  redis-cli --cluster create "${seeds[@]}" --cluster-replicas 0 --cluster-yes >"$out/redis-cluster-create.log" 2>&1 \
    || { cat "$out/redis-cluster-create.log" >&2; exit 1; }
  for _ in $(seq 100); do
    redis-cli -p "${seeds[0]#*:}" cluster info | grep -q cluster_state:ok && break
    sleep 0.1
  done
  redis-cli -p "${seeds[0]#*:}" cluster info | grep -q cluster_state:ok || { echo "the cluster did not become ready" >&2; exit 1; }
  service_redis=$(IFS=,; echo "${seeds[*]}")
fi

# A signing key for this run only: the service validates the Bench tool's tokens with it (Auth:Issuer
# and Auth:SigningKey, as ./demo.sh does with its demo key).
key_file=$out/bench-signing-key
(umask 077 && python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())' >"$key_file")
sign_in=(--signing-key-file "$key_file" --issuer capacity-bench)

# start_instance <log> <web port> <gRPC port>: one service instance, its pid in $started
start_instance() {
  # Run the built assembly rather than `dotnet run`, so the pid is the service's and `kill` stops it.
  # Its directory is the content root, where appsettings.json (endpoint protocols) lives.
  (
    cd "$root/src/Capacity.Service"
    export Demo__Seed=false Redis__Configuration="$service_redis" \
      Kestrel__Endpoints__Web__Url="http://127.0.0.1:$2" Kestrel__Endpoints__Grpc__Url="http://127.0.0.1:$3" \
      Auth__Required=true Auth__Issuer=capacity-bench Auth__SigningKey="$(cat "$key_file")"
    # The rate limiter stays on, partitioned per signed-in caller as in production; one bench caller
    # (the transfer nurse) makes thousands of searches a second, so its bucket is made big enough never
    # to refuse one: the partition lookup and the lease are still paid on every call.
    export Limits__RateLimit__Enabled=true Limits__RateLimit__PermitsPerSecond=10000000 Limits__RateLimit__Burst=10000000
    exec dotnet bin/Release/net10.0/Capacity.Service.dll
  ) >"$out/$1" 2>&1 &
  started=$!
}
ready() { # ready <log> <pid> <what>
  local deadline=$((SECONDS + 60))
  until grep -q "$3" "$out/$1"; do
    if ! kill -0 "$2" 2>/dev/null || ((SECONDS >= deadline)); then
      echo "$1: not ready within 60 s; its log:" >&2
      cat "$out/$1" >&2
      exit 1
    fi
    sleep 0.2
  done
}

web_port=$(free_port 5180 "${taken[@]}")
grpc_port=$(free_port 5181 "${taken[@]}" "$web_port")
taken+=("$web_port" "$grpc_port")
echo "==> service (no demo data), gRPC on 127.0.0.1:$grpc_port"
start_instance service.log "$web_port" "$grpc_port"
service_pid=$started
ready service.log "$service_pid" "Capacity is ready."
target_web=$web_port target_grpc=$grpc_port

if [[ $topology == two ]]; then
  web2_port=$(free_port 5190 "${taken[@]}")
  grpc2_port=$(free_port 5191 "${taken[@]}" "$web2_port")
  proxy_web=$(free_port 5200 "${taken[@]}" "$web2_port" "$grpc2_port")
  proxy_grpc=$(free_port 5201 "${taken[@]}" "$web2_port" "$grpc2_port" "$proxy_web")
  echo "==> second instance, gRPC on 127.0.0.1:$grpc2_port; the proxy, gRPC on 127.0.0.1:$proxy_grpc"
  start_instance service2.log "$web2_port" "$grpc2_port"
  service2_pid=$started
  ready service2.log "$service2_pid" "Capacity is ready."
  (cd "$root/tools/Capacity.Proxy/bin/Release/net10.0" && exec dotnet Capacity.Proxy.dll \
    --Kestrel:Endpoints:Web:Url="http://127.0.0.1:$proxy_web" --Kestrel:Endpoints:Grpc:Url="http://127.0.0.1:$proxy_grpc" \
    --ReverseProxy:Clusters:web:Destinations:instance1:Address="http://127.0.0.1:$web_port" \
    --ReverseProxy:Clusters:web:Destinations:instance2:Address="http://127.0.0.1:$web2_port" \
    --ReverseProxy:Clusters:grpc:Destinations:instance1:Address="http://127.0.0.1:$grpc_port" \
    --ReverseProxy:Clusters:grpc:Destinations:instance2:Address="http://127.0.0.1:$grpc2_port" \
    ) >"$out/proxy.log" 2>&1 &
  proxy_pid=$!
  ready proxy.log "$proxy_pid" "Now listening on: http://127.0.0.1:$proxy_grpc"
  target_web=$proxy_web target_grpc=$proxy_grpc
fi

if [[ -n $fsync ]]; then
  echo "==> persistence cost: scenario $preset loaded (ingest), then referral steps; ${persistence[*]}"
  status=0
  dotnet "$root/tools/Capacity.Bench/bin/Release/net10.0/Capacity.Bench.dll" durability \
    --preset "$preset" --seed "$seed" --target "http://127.0.0.1:$grpc_port" --redis "127.0.0.1:$redis_port" \
    --duration "$duration" --warmup "$warmup" "${fsync_args[@]}" "${sign_in[@]}" \
    --json "$out/fsync-$fsync.json" --markdown "$out/fsync-$fsync.md" || status=$?
  if ((status != 0)); then
    echo "benchmark failed (exit $status); last lines of the service log:" >&2
    tail -n 40 "$out/service.log" >&2
  fi
  exit "$status"
fi

# The yardsticks run first, on the empty Redis, so the tool can put them and the ratios in one report.
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
echo "==> redis-benchmark HSET -P 16, $concurrency clients, $hset_requests requests"
# Fields like capacity figures: 100,000 different ones, values of 40 bytes.
redis-benchmark -h 127.0.0.1 -p "$redis_port" -c "$concurrency" -n "$hset_requests" -P 16 -r 100000 -d 40 --csv -t hset >"$out/hset.csv"
redis-cli -p "$redis_port" DEL bench:geo myhash >/dev/null

echo "==> scenario $preset, then searches, pushes, holds and memory"
status=0
dotnet "$root/tools/Capacity.Bench/bin/Release/net10.0/Capacity.Bench.dll" run \
  --preset "$preset" --seed "$seed" --target "http://127.0.0.1:$target_grpc" --hub "http://127.0.0.1:$target_web/hubs/coordination" \
  --redis "$service_redis" --service-pid "$service_pid" --concurrency "$concurrency" --duration "$duration" --warmup "$warmup" \
  "${run_args[@]}" "${sign_in[@]}" --h2load "$(command -v h2load)" --geosearch-csv "$out/geosearch.csv" --hset-csv "$out/hset.csv" \
  --json "$out/$name.json" --markdown "$out/$name.md" || status=$?

if ((status != 0)); then
  echo "benchmark failed (exit $status); last lines of the service log:" >&2
  tail -n 40 "$out/service.log" >&2
fi
exit "$status"
