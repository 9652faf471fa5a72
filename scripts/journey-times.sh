#!/usr/bin/env bash
# Runs the scripted search-to-placed journey (PlacementJourneyTests) N times (default 5), alone,
# in Debian's chromium against the real service and Redis, and prints the median of each timing
# it records. Usage: scripts/journey-times.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_dotnet
ensure_redis
ensure_chromium
runs=${1:-5}
out=$(mktemp -d)
dotnet build -c Release -nologo -v quiet tests/Capacity.Web.Tests >/dev/null
for i in $(seq "$runs"); do
  E2E_ARTIFACTS="$out" dotnet test tests/Capacity.Web.Tests -c Release --no-build --filter "FullyQualifiedName~PlacementJourney" >/dev/null \
    || { echo "run $i failed" >&2; exit 1; }
done
echo "$runs runs of the placement journey (ms; median, min, max):"
awk -F'\t' '{ sub(/ ms$/, "", $3); v[$2] = v[$2] " " $3 }
  END { for (k in v) { n = split(substr(v[k], 2), a, " "); asort(a);
        printf "  %-55s %6d  %6d  %6d\n", k, a[int((n + 1) / 2)], a[1], a[n] } }' "$out/journey-times.txt"
