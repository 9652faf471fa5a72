#!/usr/bin/env bash
# Runs the scripted search-to-placed journey (PlacementJourneyTests) and the sign-in (first page
# load) N times (default 5), alone,
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
  E2E_ARTIFACTS="$out" dotnet test tests/Capacity.Web.Tests -c Release --no-build --filter "FullyQualifiedName~PlacementJourney|FullyQualifiedName~SignInTests" >/dev/null \
    || { echo "run $i failed" >&2; exit 1; }
done
echo "$runs runs of the placement journey and the sign-in page (ms; median, min, max):"
cut -f2 "$out/journey-times.txt" | sort -u | while IFS= read -r what; do
  values=$(awk -F'\t' -v w="$what" '$2 == w { sub(/ ms$/, "", $3); print $3 }' "$out/journey-times.txt" | sort -n)
  n=$(wc -l <<<"$values")
  printf '  %-55s %6s  %6s  %6s\n' "$what" "$(sed -n "$(( (n + 1) / 2 ))p" <<<"$values")" "$(head -1 <<<"$values")" "$(tail -1 <<<"$values")"
done
