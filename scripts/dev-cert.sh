#!/usr/bin/env bash
# A self-signed certificate for localhost, for `docker compose --profile tls up`: writes
# .data/certs/capacity.crt and capacity.key. Browsers and clients must trust it (or use
# grpcurl -insecure); in production use a certificate from your CA.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=$root/.data/certs
mkdir -p "$dir"
openssl req -x509 -newkey rsa:2048 -sha256 -days 365 -nodes \
  -keyout "$dir/capacity.key" -out "$dir/capacity.crt" \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
chmod 644 "$dir/capacity.key" "$dir/capacity.crt" # read by the container's non-root user
echo "wrote $dir/capacity.crt and capacity.key"
