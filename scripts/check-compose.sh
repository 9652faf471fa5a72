#!/usr/bin/env bash
# Validates docker-compose.yml for the default services and for every profile, with no Docker
# engine: Debian's docker-compose (1.29, installed here if missing) parses, interpolates and checks
# the file as `docker compose up` would before it starts anything. Run by ./test.sh, so a change
# that breaks one profile (or, through interpolation, all of them) fails CI.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_packages docker-compose docker-compose
# Without the variables ./demo.sh sets: a plain `docker compose up` must get as far as starting.
unset CAPACITY_DEMO_SIGNING_KEY CAPACITY_SIGNING_KEY
docker-compose config -q
echo "docker-compose.yml: default services valid"
for profile in $(docker-compose config --profiles); do
  docker-compose --profile "$profile" config -q
  echo "docker-compose.yml: profile $profile valid"
done
