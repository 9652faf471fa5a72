#!/usr/bin/env bash
# Takes the README's screenshots: the sign-in and every role's main screen on a phone (390×844, two
# screens high) and on the office laptop (1366×768), as docs/screenshots/{screen}-{phone|desktop}.png.
# They come from the layout tests (ResponsiveLayoutTests), run alone against the real service, Redis
# and Debian's chromium, with CAPACITY_SCREENSHOTS naming the folder (relative to the repository).
# Usage: scripts/screenshots.sh [folder]   (default docs/screenshots)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_dotnet
ensure_redis
ensure_chromium
folder=${1:-docs/screenshots}
echo "Building the browser tests ..." >&2
dotnet build -c Release -nologo -v quiet tests/Capacity.Web.Tests >/dev/null
echo "Running the layout tests, writing screenshots to $folder ..." >&2
CAPACITY_SCREENSHOTS="$folder" dotnet test tests/Capacity.Web.Tests -c Release --no-build \
  --filter "FullyQualifiedName~ResponsiveLayoutTests" >/dev/null \
  || { echo "The layout tests failed: no screenshots to trust (run them with dotnet test to see why)." >&2; exit 1; }
ls -1 "$folder"/*-phone.png "$folder"/*-desktop.png
