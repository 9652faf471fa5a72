#!/usr/bin/env bash
# What appendfsync always costs beside everysec: runs `./bench.sh --fsync everysec` and
# `./bench.sh --fsync always` one after the other (PAIRS pairs, the order swapped every other pair,
# so a machine that slows down during the runs does not favour one side), each on a fresh Redis and
# service, and prints each run, the medians per policy and the ratio always ÷ everysec for the
# capacity ingest and the referral steps. On a shared 2-core machine single runs vary by ±20 %.
#   scripts/fsync-cost.sh [PAIRS=1] [--smoke]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pairs=${1:-1}
smoke=()
[[ ${2:-} == --smoke ]] && smoke=(--smoke)
out=$root/bench-results
mkdir -p "$out"
rm -f "$out"/fsync-run-*.json

n=0
for ((pair = 0; pair < pairs; pair++)); do
  order=(everysec always)
  ((pair % 2 == 1)) && order=(always everysec)
  for policy in "${order[@]}"; do
    n=$((n + 1))
    echo "==> run $n: appendfsync $policy"
    "$root/bench.sh" "${smoke[@]}" --fsync "$policy" >"$out/fsync-run-$n-$policy.log" 2>&1 \
      || { tail -n 40 "$out/fsync-run-$n-$policy.log" >&2; exit 1; }
    cp "$out/fsync-$policy.json" "$out/fsync-run-$n-$policy.json"
  done
done

python3 - "$out" <<'EOF' | tee "$out/fsync-cost.md"
import glob, json, os, statistics, sys
runs = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], "fsync-run-*.json")), key=lambda p: int(p.split("-")[-2])):
    r = json.load(open(path))
    runs.append(r)
print("| run | appendfsync | ingest median (figures/s) | referral steps/s | step p50 (ms) | step p99 (ms) |")
print("|---|---|--:|--:|--:|--:|")
for i, r in enumerate(runs, 1):
    print(f"| {i} | {r['appendfsync']} | {r['ingestMedianRps']:,.0f} | {r['stepsPerSecond']:,.0f} | {r['stepP50Ms']:.2f} | {r['stepP99Ms']:.2f} |")
def median(policy, key):
    return statistics.median(r[key] for r in runs if r["appendfsync"] == policy)
print()
print("| figure | everysec (median) | always (median) | always ÷ everysec |")
print("|---|--:|--:|--:|")
for key, label in [("ingestMedianRps", "ingest, figures/s"), ("stepsPerSecond", "referral steps/s"), ("stepP50Ms", "step p50, ms"), ("stepP99Ms", "step p99, ms")]:
    e, a = median("everysec", key), median("always", key)
    print(f"| {label} | {e:,.2f} | {a:,.2f} | **{a / e:.2f}×** |")
EOF
