#!/usr/bin/env bash
# Runs Capacity with the demo region (Amstelland and Amsterdam) loaded, and prints where to open
# it. Uses Docker Compose where a Docker engine runs; otherwise a local redis-server (installed
# with apt-get if missing) and `dotnet run`. Stop with Ctrl+C.
#
# Environment (all optional):
#   CAPACITY_NO_DOCKER=1      run locally even where a Docker engine runs
#   CAPACITY_REDIS_PORT=6379  the local Redis port (one already running there is used as it is)
#   CAPACITY_WEB_URL=http://localhost:5080   web page, JSON API and SignalR hub (HTTP/1.1)
#   CAPACITY_GRPC_URL=http://localhost:5081  gRPC (HTTP/2 without TLS)
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh

if [ -z "${CAPACITY_NO_DOCKER:-}" ] && docker info >/dev/null 2>&1; then
  mkdir -p .data
  [ -s .data/demo-signing-key ] || { openssl rand -base64 32 > .data/demo-signing-key; chmod 600 .data/demo-signing-key; }
  echo "==> Docker runs here: building and starting Redis and the service with docker compose (CAPACITY_NO_DOCKER=1 runs them locally instead)."
  CAPACITY_DEMO_SIGNING_KEY="$(cat .data/demo-signing-key)" exec docker compose up --build
fi

echo "==> Checking for the .NET SDK and redis-server (installed with apt-get if missing)"
ensure_dotnet
ensure_redis

# Sign-in with demo identities: a key of this machine's own, kept in .data; scripts/demo-token.sh
# signs tokens with it (the README's examples use it).
mkdir -p .data
if [ ! -s .data/demo-signing-key ]; then
  echo "==> Making this machine's demo signing key (.data/demo-signing-key)"
  dotnet build -c Release -nologo -v quiet tools/Capacity.Tokens/Capacity.Tokens.csproj >/dev/null
  dotnet tools/Capacity.Tokens/bin/Release/net10.0/Capacity.Tokens.dll new-key > .data/demo-signing-key
  chmod 600 .data/demo-signing-key
fi

echo "==> Building the service (the first build restores packages: a minute or two)"
dotnet build -c Release -nologo -v quiet src/Capacity.Service/Capacity.Service.csproj >.data/build.log 2>&1 \
  || { cat .data/build.log >&2; echo "The build failed (log above, also in .data/build.log)." >&2; exit 1; }

port="${CAPACITY_REDIS_PORT:-6379}"
started_redis=""
if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
  # Referrals, holds, the audit trail and the registry are hard state: keep them across restarts
  # in the append-only file, fsynced once a second (README, "Operations: durability").
  mkdir -p .data/redis
  redis-server --port "$port" --bind 127.0.0.1 --dir "$PWD/.data/redis" --appendonly yes --appendfsync everysec \
    --daemonize yes --pidfile "$PWD/.data/redis/redis.pid" --logfile "$PWD/.data/redis/redis.log"
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  started_redis=1
  echo "Started redis-server on 127.0.0.1:$port (data in .data/redis, append-only file)."
else
  echo "Using the Redis already running on 127.0.0.1:$port."
  # Debian's redis-server service, for one, runs without the append-only file: say what that means.
  if [ "$(redis-cli -p "$port" config get appendonly 2>/dev/null | tail -n 1)" != "yes" ]; then
    echo "Warning: that Redis runs without the append-only file (appendonly no): referrals and the registry" >&2
    echo "may be lost when it stops. See README, \"Operations: durability\"." >&2
  fi
fi
stop_redis() { [ -n "$started_redis" ] && redis-cli -p "$port" shutdown >/dev/null 2>&1 || true; }
trap stop_redis EXIT

echo "==> Starting the service and loading the demo region (it says \"Capacity is ready\" with the addresses)"
Auth__SigningKey="$(cat .data/demo-signing-key)" dotnet run -c Release --no-build --project src/Capacity.Service --no-launch-profile -- \
  --Demo:Seed=true \
  --Grpc:Reflection=true \
  --Auth:Issuer=capacity-demo \
  --Redis:Configuration="127.0.0.1:$port" \
  --Kestrel:Endpoints:Web:Url="${CAPACITY_WEB_URL:-http://localhost:5080}" \
  --Kestrel:Endpoints:Grpc:Url="${CAPACITY_GRPC_URL:-http://localhost:5081}"
