#!/usr/bin/env bash
# Side-by-side search throughput of two revisions of the service: builds each in a git worktree,
# runs both on one Redis with the national scenario loaded once, and alternates closed-loop
# searches (Capacity.Bench search, 50 callers) between them, in both orders. Prints each run and
# the per-pair ratios. On a shared 2-core machine single runs vary by ±20 %: compare medians.
#   scripts/ab-search.sh OLD_REV [NEW_REV=HEAD] [PAIRS=3]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/setup.sh"
ensure_dotnet
ensure_redis
old=${1:?usage: scripts/ab-search.sh OLD_REV [NEW_REV] [PAIRS]} new=${2:-HEAD} pairs=${3:-3}
work=$(mktemp -d)
cleanup() {
  pkill -f "$work/.*/Capacity.Service.dll" 2>/dev/null || true
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  git -C "$root" worktree remove --force "$work/old" >/dev/null 2>&1 || true
  git -C "$root" worktree remove --force "$work/new" >/dev/null 2>&1 || true
}
port=$((20000 + RANDOM % 20000))
trap cleanup EXIT
for side in old new; do
  rev=${!side}
  git -C "$root" worktree add -q --detach "$work/$side" "$rev"
  dotnet build -c Release -nologo -v quiet "$work/$side/src/Capacity.Service" >/dev/null
done
dotnet build -c Release -nologo -v quiet "$root/tools/Capacity.Bench" >/dev/null
bench="dotnet $root/tools/Capacity.Bench/bin/Release/net10.0/Capacity.Bench.dll"

redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --logfile "$work/redis.log"
sleep 0.5
declare -A grpc=([old]=$((port + 2)) [new]=$((port + 4)))
for side in old new; do
  (cd "$work/$side/src/Capacity.Service" && Redis__Configuration=127.0.0.1:$port \
    Kestrel__Endpoints__Web__Url=http://127.0.0.1:$((grpc[$side] - 1)) Kestrel__Endpoints__Grpc__Url=http://127.0.0.1:${grpc[$side]} \
    Limits__RateLimit__Enabled=false Auth__Required=false Logging__LogLevel__Default=Warning \
    exec dotnet "$work/$side/src/Capacity.Service/bin/Release/net10.0/Capacity.Service.dll" >"$work/$side.log" 2>&1) &
done
sleep 8
$bench scenario --preset national --target "http://127.0.0.1:${grpc[new]}" --rounds 1 | tail -1

declare -A runs=([old]="" [new]="")
ratios=""
for i in $(seq "$pairs"); do
  for order in "old new" "new old"; do
    declare -A rps=()
    for side in $order; do
      line=$($bench search --preset national --target "http://127.0.0.1:${grpc[$side]}" --concurrency 50 --warmup 5 --duration 10 | tail -1)
      rps[$side]=$(grep -oE '[0-9,]+/s' <<<"$line" | head -1 | tr -d ',/s')
      runs[$side]+="${rps[$side]} "
      echo "pair $i ($order) $side: $line"
    done
    ratios+="$(python3 -c "print(f'{${rps[new]}/${rps[old]}:.2f}')") "
  done
done
python3 - "${runs[old]}" "${runs[new]}" "$ratios" <<'PY'
import statistics, sys
old, new, ratios = (list(map(float, a.split())) for a in sys.argv[1:])
print(f"searches/s median: old {statistics.median(old):,.0f}, new {statistics.median(new):,.0f}; "
      f"new/old per pair: median {statistics.median(ratios):.2f} (range {min(ratios):.2f}-{max(ratios):.2f}, {len(ratios)} pairs)")
PY
