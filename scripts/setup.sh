# Shared by demo.sh, test.sh and bench.sh: make sure this machine has what they need.
# Installs missing Debian packages with apt-get (as root, or through sudo).

ensure_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "The .NET 10 SDK is needed: https://dotnet.microsoft.com/download/dotnet/10.0" >&2
    exit 1
  fi
}

ensure_packages() { # ensure_packages <command> <debian package> ...
  local missing=()
  while [ $# -gt 0 ]; do
    command -v "$1" >/dev/null 2>&1 || missing+=("$2")
    shift 2
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing ${missing[*]} ..." >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Please install ${missing[*]} (this script knows only apt-get)." >&2
    exit 1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_redis() {
  ensure_packages redis-server redis-server redis-cli redis-tools
}

ensure_chromium() {
  # The web front end's end-to-end tests drive Debian's chromium (no browser download).
  ensure_packages chromium chromium
}

ensure_node() {
  # The Node client example (clients/node) runs in the tests: Node 18 or later and npm.
  ensure_packages node nodejs npm npm
}
