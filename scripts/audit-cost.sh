#!/usr/bin/env bash
# What the NEN 7513 audit trail costs in throughput: closed-loop GetReferral (each read writes one
# hash-chained audit record) against the service with Audit:Enabled=true, then false, on the
# same fresh Redis; prints both and the ratio. Usage: scripts/audit-cost.sh [duration-seconds]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/setup.sh"
ensure_dotnet
ensure_redis
duration=${1:-15}
out=$root/bench-results
mkdir -p "$out"
dotnet build -c Release -nologo -v quiet "$root/tools/Capacity.Bench/Capacity.Bench.csproj" >/dev/null

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
redis_port=$(port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --logfile "$out/audit-redis.log" &
redis_pid=$!
service_pid=""
cleanup() { [ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null; kill "$redis_pid" 2>/dev/null || true; }
trap cleanup EXIT
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.1; done

run() { # run <Audit:Enabled>
  local web grpc
  web=$(port); grpc=$(port)
  (cd "$root/src/Capacity.Service" && exec env Redis__Configuration="127.0.0.1:$redis_port" Auth__Required=false Limits__RateLimit__Enabled=false \
     Audit__Enabled="$1" Kestrel__Endpoints__Web__Url="http://127.0.0.1:$web" Kestrel__Endpoints__Grpc__Url="http://127.0.0.1:$grpc" \
     dotnet bin/Release/net10.0/Capacity.Service.dll) >"$out/audit-service-$1.log" 2>&1 &
  service_pid=$!
  until grep -q "Capacity is ready." "$out/audit-service-$1.log"; do kill -0 "$service_pid" || { cat "$out/audit-service-$1.log"; exit 1; }; sleep 0.2; done
  dotnet "$root/tools/Capacity.Bench/bin/Release/net10.0/Capacity.Bench.dll" referral-reads --target "http://127.0.0.1:$grpc" \
    --duration "$duration" --label "audit $1: " | tee -a "$out/audit-cost.txt"
  kill "$service_pid"; wait "$service_pid" 2>/dev/null || true; service_pid=""
}
: >"$out/audit-cost.txt"
run true
run false
python3 - "$out/audit-cost.txt" <<'EOF'
import re, sys
rates = {m.group(1): float(m.group(2).replace(",", "")) for m in re.finditer(r"audit (\w+): GetReferral: ([\d,]+)/s", open(sys.argv[1]).read())}
print(f"audited reads run at {rates['true'] / rates['false']:.2f} x the rate of unaudited ones")
EOF
