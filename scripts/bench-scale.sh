#!/usr/bin/env bash
# The benchmark on the three topologies, one after the other, and one table of them:
#   single   one instance on one Redis (./bench.sh as always)
#   cluster  one instance on a 3-master Redis Cluster
#   two      two instances on that cluster, called through the proxy (tools/Capacity.Proxy)
# Each run measures its own yardsticks (redis-benchmark on a plain redis-server) just before, so the
# ratios to them are what to compare on a shared machine; absolute figures move between runs.
# On one 2-core machine a second instance and three Redis masters share the same two cores with the
# load generator: flat or lower figures are expected here. What the cluster buys is more cores and
# machines, and a node lost without losing holds (docs/SCALING.md).
# Usage: scripts/bench-scale.sh [--smoke]    Writes bench-results/scale.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$root/bench-results
for topology in single cluster two; do
  echo "==> ./bench.sh $* --topology $topology"
  "$root/bench.sh" "$@" --topology "$topology"
done
python3 - "$out" <<'PY' | tee "$out/scale.md"
import json, sys
out = sys.argv[1]
runs = {t: json.load(open(f"{out}/{'bench' if t == 'single' else 'bench-' + t}.json")) for t in ("single", "cluster", "two")}
def hold(r, kind):
    h = next(h for h in r["holds"] if h["kind"].startswith(kind))
    return h["latencyMs"]["p99"]
rows = [
    ("searches/s, closed loop", lambda r: f"{r['matchRps']:,.0f}"),
    ("… ÷ GEOSEARCH of the same run", lambda r: f"{r['matchToGeosearch']:.2f}×"),
    ("h2load one search, signed in (/s)", lambda r: f"{r['h2loadMatch']['rps']:,.0f}"),
    ("… ÷ GEOSEARCH", lambda r: f"{r['h2loadMatchToGeosearch']:.2f}×"),
    ("h2load empty call (health), signed in (/s)", lambda r: f"{r['h2loadHealth']['rps']:,.0f}"),
    ("search p99, open loop (ms)", lambda r: f"{r['openLoopLatencyMs']['p99']:.1f}"),
    ("ingest (figures/s)", lambda r: f"{r['ingestMedianRps']:,.0f}"),
    ("… ÷ HSET -P 16", lambda r: f"{r['ingestToHset']:.2f}×"),
    ("publish → push p50 / p99 (ms)", lambda r: f"{r['pushLatencyMs']['p50']:.1f} / {r['pushLatencyMs']['p99']:.1f} ({r['pushCounts']['received']} of {r['pushCounts']['expected']})"),
    ("last place, hold step p99 (ms)", lambda r: f"{hold(r, 'Hold step'):.1f}"),
    ("last place, OfferReferral p99 (ms)", lambda r: f"{hold(r, 'OfferReferral'):.1f}"),
    ("Redis memory after the run (MB, all masters)", lambda r: f"{r['redisAtEndMb']:.1f}"),
]
print(f"## One Redis, a cluster, two instances: scenario `{runs['single']['scenario']['preset']}`\n")
print("| | one instance, one Redis | one instance, 3-master cluster | two instances behind the proxy, cluster |")
print("|---|---:|---:|---:|")
for name, get in rows:
    cells = []
    for t in ("single", "cluster", "two"):
        try:
            cells.append(get(runs[t]))
        except (KeyError, StopIteration, TypeError):
            cells.append("—")
    print(f"| {name} | " + " | ".join(cells) + " |")
print("\nService CPU and memory figures in each run's own report are the first instance's.")
PY
