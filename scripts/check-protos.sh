#!/usr/bin/env bash
# Checks that the public API compiles from the repository alone, as a client in another language
# compiles it: every capacity/v1 proto through protoc with src/Capacity.Protos and its vendored
# third_party/ as the only include paths beside protoc's own google/protobuf. A proto that imports
# a file nobody vendored fails here. Also checks that the vendored copies are still the exact files
# of the Google.Api.CommonProtos package the .NET build references (third_party/README.md).
# protoc is the one in the Grpc.Tools NuGet package (restored here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

protos=src/Capacity.Protos
vendored=$protos/third_party
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
version_of() { sed -n "s/.*PackageVersion Include=\"$1\" Version=\"\([^\"]*\)\".*/\1/p" Directory.Packages.props; }
tools="$packages/grpc.tools/$(version_of Grpc.Tools)"
common="$packages/google.api.commonprotos/$(version_of Google.Api.CommonProtos)/content/protos"
case "$(uname -m)" in aarch64 | arm64) arch=linux_arm64 ;; *) arch=linux_x64 ;; esac
protoc="$tools/tools/$arch/protoc"
if [ ! -x "$protoc" ] || [ ! -d "$common" ]; then
  dotnet restore "$protos/Capacity.Protos.csproj" -v quiet >/dev/null
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# --include_imports: every imported file is read and put in the descriptor set, so each must be found.
"$protoc" --proto_path="$protos" --proto_path="$vendored" --proto_path="$tools/build/native/include" \
  --include_imports --descriptor_set_out="$out/api.pb" \
  $(cd "$protos" && ls capacity/v1/*.proto)

drift=0
while IFS= read -r file; do
  if ! cmp -s "$vendored/$file" "$common/$file"; then
    echo "$vendored/$file differs from $common/$file: copy it again (third_party/README.md)" >&2
    drift=1
  fi
done < <(cd "$vendored" && find google -name '*.proto' | sort)
[ "$drift" -eq 0 ] || exit 1
echo "protos: $(cd "$protos" && ls capacity/v1/*.proto | wc -l) capacity/v1 files compile with $vendored alone"
