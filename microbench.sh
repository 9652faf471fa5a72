#!/usr/bin/env bash
# BenchmarkDotNet microbenchmarks of the matching core and the Redis encoding hot paths (time and
# allocations per call), on the national scenario. No Redis or service needed.
#
#   ./microbench.sh            every benchmark, BenchmarkDotNet's default job (a few minutes)
#   ./microbench.sh --smoke    each benchmark once, in process: do they still run? (seconds)
#   ./microbench.sh --filter '*Evaluate*'   any BenchmarkDotNet arguments
#
# Reports land in bench-results/microbench/results (Markdown, CSV, HTML).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/setup.sh
source "$root/scripts/setup.sh"
ensure_dotnet

args=("$@")
if [[ ${1:-} == --smoke ]]; then
  args=(--filter '*' --job dry --inProcess)
elif ((${#args[@]} == 0)); then
  args=(--filter '*')
fi
dotnet build -c Release -nologo -v quiet "$root/tools/Capacity.Microbench/Capacity.Microbench.csproj"
dotnet "$root/tools/Capacity.Microbench/bin/Release/net10.0/Capacity.Microbench.dll" --artifacts "$root/bench-results/microbench" "${args[@]}"
