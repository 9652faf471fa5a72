#!/usr/bin/env bash
# How fast the single-slot keys that every instance shares go on one Redis — one shard of a
# cluster: the audit chain (audit:{log}), the holds' due index (holds:{due}) and the pending steps
# (refs:{pending}). docs/SCALING.md sets these beside what the country needs.
# Usage: scripts/hot-keys.sh [duration-seconds per figure, default 5]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/setup.sh"
ensure_dotnet
ensure_redis
ensure_packages python3 python3
duration=${1:-5}
out=$root/bench-results
mkdir -p "$out"
dotnet build -c Release -nologo -v quiet "$root/tools/Capacity.Bench/Capacity.Bench.csproj" >"$out/hot-keys-build.log" 2>&1 \
  || { cat "$out/hot-keys-build.log" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --logfile "$out/hot-keys-redis.log" &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$port" ping >/dev/null || { echo "redis-server did not start:" >&2; cat "$out/hot-keys-redis.log" >&2; exit 1; }

dotnet "$root/tools/Capacity.Bench/bin/Release/net10.0/Capacity.Bench.dll" hotkeys --redis "127.0.0.1:$port" --duration "$duration" | tee "$out/hot-keys.md"
