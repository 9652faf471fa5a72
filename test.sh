#!/usr/bin/env bash
# Runs every test. Tests use a real Redis: CAPACITY_TEST_REDIS if set, else a redis-server they
# start themselves (installed here with apt-get if missing). Extra arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh

ensure_dotnet
[ -n "${CAPACITY_TEST_REDIS:-}" ] || ensure_redis

dotnet test Capacity.slnx -c Release "$@"
