#!/usr/bin/env bash
# Runs every test. Tests use a real Redis: CAPACITY_TEST_REDIS if set, else a redis-server they
# start themselves (installed here with apt-get if missing; the cluster tests start 3- and 6-node
# Redis Clusters on loopback the same way); the web front end's tests drive
# Debian's chromium (installed here if missing) with Playwright. Then, so the performance tools do
# not rot, a seconds-long smoke run of the benchmark (./bench.sh --smoke: small scenario, own
# Redis and service; and ./bench.sh --smoke --fsync always, its persistence-cost mode) and of the
# microbenchmarks (./microbench.sh --smoke). Smoke runs check that
# the tools work and the results are correct (e.g. one winner per race), never timings.
# Before the tests, docker-compose.yml is validated for the default services and every profile
# (scripts/check-compose.sh: Debian's docker-compose, no Docker engine needed), and the public
# API's protos are compiled with the vendored third_party/ protos alone (scripts/check-protos.sh);
# the Node client example (clients/node, run by a web test) gets its packages with npm ci.
# Extra arguments go to `dotnet test` and skip the smoke runs (e.g. ./test.sh --filter Hold).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh

ensure_dotnet
# Always: the fault and cluster tests start redis-server processes of their own (redis-cli joins
# them into a cluster), whatever CAPACITY_TEST_REDIS says for the rest.
ensure_redis
ensure_chromium
ensure_node

scripts/check-compose.sh
scripts/check-protos.sh
# The Node client example's packages, exactly as its lock file names them (NodeClientTests runs it).
npm ci --prefix clients/node --no-audit --no-fund --loglevel=error
dotnet test Capacity.slnx -c Release "$@"
if (($# == 0)); then
  echo "==> benchmark smoke run"
  ./bench.sh --smoke
  echo "==> benchmark smoke run on the scale-out topology (two instances behind the proxy, a 3-master Redis Cluster)"
  ./bench.sh --smoke --topology two
  echo "==> persistence-cost smoke run (append-only file, appendfsync always)"
  ./bench.sh --smoke --fsync always
  echo "==> microbenchmark smoke run"
  mkdir -p bench-results
  ./microbench.sh --smoke >bench-results/microbench-smoke.log 2>&1 || { cat bench-results/microbench-smoke.log >&2; exit 1; }
  grep -E '^\|' bench-results/microbench-smoke.log
fi
