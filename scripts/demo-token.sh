#!/usr/bin/env bash
# Prints a token for a demo identity, signed with the demo's key (.data/demo-signing-key, made by
# ./demo.sh), valid for 8 hours:   scripts/demo-token.sh ROLE [CODE]
#   ROLE: provider (CODE = AGB), requester (organisation), insurer_desk / insurer_import (UZOVI),
#         municipality (GM code, e.g. GM0362), registry_admin (no code)
# Use it as grpcurl -H "authorization: Bearer $(scripts/demo-token.sh requester amstelland-ziekenhuis)"
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
(($# >= 1)) || { sed -n '2,7p' "$0" >&2; exit 64; }
key_file=$root/.data/demo-signing-key
[ -f "$key_file" ] || { echo "no demo key yet: start ./demo.sh first" >&2; exit 1; }
tool=$root/tools/Capacity.Tokens/bin/Release/net10.0/Capacity.Tokens.dll
[ -f "$tool" ] || dotnet build -c Release -nologo -v quiet "$root/tools/Capacity.Tokens/Capacity.Tokens.csproj" >&2
args=(issue --role "$1" --key "$(cat "$key_file")" --issuer capacity-demo)
[ -n "${2:-}" ] && args+=(--tenant "$2")
dotnet "$tool" "${args[@]}"
