#!/usr/bin/env bash
# The scale-out topology without Docker, the same as docker-compose.yml's profile `cluster`: a Redis
# Cluster of three masters with a replica each (Debian's redis-server, installed if missing), two
# service instances on it, and the proxy (tools/Capacity.Proxy, YARP) in front of them.
#
#   scripts/cluster.sh up       start everything (says so and stops if it already runs), print where to open it
#   scripts/cluster.sh status   what runs
#   scripts/cluster.sh down     stop what `up` started (by its pid files) and remove the cluster's data
#
# Environment (all optional):
#   CAPACITY_CLUSTER_WEB_PORT=5180        the proxy's web page, JSON API and SignalR hub (HTTP/1.1)
#   CAPACITY_CLUSTER_GRPC_PORT=5181       the proxy's gRPC port (HTTP/2 cleartext)
#   CAPACITY_CLUSTER_INSTANCE_PORT=5182   instance 1 listens on this (web) and the next (gRPC), instance 2 on the two after
#   CAPACITY_CLUSTER_REDIS_PORT=7000      the six Redis nodes take this port and the five after it (and each port + 10000, the cluster bus)
#   CAPACITY_CLUSTER_REDIS=cluster        `single`: one plain redis-server instead of the cluster (same instances and proxy)
#   CAPACITY_CLUSTER_DIR=.data/cluster    pid files, logs and Redis data
#   CAPACITY_CLUSTER_NO_BUILD=1           use the Release build as it is (the tests do: they have just built it)
#   CAPACITY_DEMO_SIGNING_KEY             the demo's signing key; default: .data/demo-signing-key (made if missing), as ./demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
source scripts/setup.sh

web_port="${CAPACITY_CLUSTER_WEB_PORT:-5180}"
grpc_port="${CAPACITY_CLUSTER_GRPC_PORT:-5181}"
instance_port="${CAPACITY_CLUSTER_INSTANCE_PORT:-5182}"
redis_port="${CAPACITY_CLUSTER_REDIS_PORT:-7000}"
mode="${CAPACITY_CLUSTER_REDIS:-cluster}"
dir="${CAPACITY_CLUSTER_DIR:-.data/cluster}"
dir="$(realpath -m "$dir")"

case "$mode" in
  # On the cluster every master has a replica: a granted hold or referral step is acknowledged only
  # once that replica has it (Redis:ReplicaAcks, docs/SCALING.md "What a failover loses").
  cluster) redis_ports=$(seq "$redis_port" $((redis_port + 5))) replica_acks=1 ;;
  single) redis_ports="$redis_port" replica_acks=0 ;;
  *) echo "CAPACITY_CLUSTER_REDIS must be cluster or single, not '$mode'." >&2; exit 64 ;;
esac
service_bin="$root/src/Capacity.Service/bin/Release/net10.0"
proxy_bin="$root/tools/Capacity.Proxy/bin/Release/net10.0"
web_of() { echo $((instance_port + 2 * ($1 - 1))); }   # instance 1 or 2
grpc_of() { echo $((instance_port + 2 * ($1 - 1) + 1)); }

# A pid file's process, if it still runs and is what the file says it is (a pid may have been reused).
running() { # running <pid file> <part of its command line>
  local pid
  pid="$(cat "$1" 2>/dev/null)" && [ -n "$pid" ] || return 1 # redis-server removes its own when it stops
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2"
}

stop_pid() { # stop_pid <pid file> <part of its command line>: TERM, up to 10 s, then KILL
  local pid
  running "$1" "$2" && pid="$(cat "$1" 2>/dev/null)" || { rm -f "$1"; return 0; }
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do running "$1" "$2" || break; sleep 0.1; done
  running "$1" "$2" && kill -9 "$pid" 2>/dev/null || true
  rm -f "$1"
}

wait_http() { # wait_http <url> <seconds> <log to show on failure>
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; do
    if ((SECONDS > deadline)); then
      echo "No answer from $1 within $2 s. The last lines of $3:" >&2
      tail -n 40 "$3" >&2 || true
      echo "(scripts/cluster.sh down stops what has started.)" >&2
      exit 1
    fi
    sleep 0.3
  done
}

print_where() {
  local redis_text
  if [ "$mode" = cluster ]; then redis_text="Redis Cluster 127.0.0.1:$redis_port-$((redis_port + 5)) (3 masters, 3 replicas)"
  else redis_text="redis-server 127.0.0.1:$redis_port (single)"; fi
  cat <<EOF
Capacity is ready: two instances behind the proxy, on a $redis_text.
  Web page:     http://localhost:$web_port/
  SignalR hub:  http://localhost:$web_port/hubs/coordination
  gRPC (h2c):   http://localhost:$grpc_port  (server reflection and grpc.health.v1 are on)
  Instances:    1 at http://127.0.0.1:$(web_of 1) (gRPC $(grpc_of 1)), 2 at http://127.0.0.1:$(web_of 2) (gRPC $(grpc_of 2))
  Logs, pids:   $dir
Stop with scripts/cluster.sh down.
EOF
}

start_redis() {
  local p node_dir cluster_args=()
  # Without full coverage required, the other shards keep answering while one master's slots wait
  # for its replica to take over (Redis's default stops the whole cluster then: CLUSTERDOWN).
  [ "$mode" = cluster ] && cluster_args=(--cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000
                                        --cluster-require-full-coverage no)
  for p in $redis_ports; do
    node_dir="$dir/redis-$p"
    mkdir -p "$node_dir"
    if redis-cli -p "$p" ping >/dev/null 2>&1; then
      echo "Port $p already has a Redis that this script did not start: stop it or set CAPACITY_CLUSTER_REDIS_PORT." >&2
      exit 1
    fi
    # As the compose file's Redis: the append-only file, fsynced once a second (README, "Operations: durability").
    redis-server --port "$p" --bind 127.0.0.1 --dir "$node_dir" --appendonly yes --appendfsync everysec "${cluster_args[@]}" \
      --daemonize yes --pidfile "$node_dir/redis.pid" --logfile "$node_dir/redis.log"
  done
  for p in $redis_ports; do
    for _ in $(seq 100); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -p "$p" ping >/dev/null 2>&1 || { echo "redis-server on $p did not start: $dir/redis-$p/redis.log" >&2; exit 1; }
  done
  [ "$mode" = cluster ] || return 0
  local nodes=()
  for p in $redis_ports; do nodes+=("127.0.0.1:$p"); done
  # Masters on the first three ports, a replica of each on the other three.
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$dir/cluster-create.log" 2>&1 \
    || { cat "$dir/cluster-create.log" >&2; exit 1; }
  for p in $redis_ports; do
    for _ in $(seq 150); do
      redis-cli -p "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' && break
      sleep 0.2
    done
    redis-cli -p "$p" cluster info | grep -q '^cluster_state:ok' || { echo "The cluster is not ok on $p after 30 s:" >&2; redis-cli -p "$p" cluster info >&2; exit 1; }
  done
}

start_instance() { # start_instance <1|2> <redis configuration>
  local n="$1"
  # From its build folder, so it finds its appsettings.json (the content root is the working folder).
  # The key goes in the environment, not on the command line where ps shows it. Both instances seed
  # the demo region: the seed writes only what is missing, each write one atomic script, so the
  # second finds it all there and writes nothing; it needs Demo:Seed for the demo's sign-in
  # (/demo/token, /demo/identities), which the proxy may send a browser to on either instance.
  (cd "$service_bin" && Auth__SigningKey="$signing_key" exec dotnet Capacity.Service.dll \
    --Demo:Seed=true \
    --Grpc:Reflection=true \
    --Auth:Issuer=capacity-demo \
    --Redis:Configuration="$2" \
    --Redis:ReplicaAcks="$replica_acks" \
    --Kestrel:Endpoints:Web:Url="http://127.0.0.1:$(web_of "$n")" \
    --Kestrel:Endpoints:Grpc:Url="http://127.0.0.1:$(grpc_of "$n")" \
    --ForwardedHeaders:KnownProxies:0=127.0.0.1 \
    --ForwardedHeaders:KnownProxies:1=::1 \
    </dev/null >"$dir/instance$n.log" 2>&1) &
  echo $! >"$dir/instance$n.pid"
}

start_proxy() {
  (cd "$proxy_bin" && exec dotnet Capacity.Proxy.dll \
    --Kestrel:Endpoints:Web:Url="http://0.0.0.0:$web_port" \
    --Kestrel:Endpoints:Grpc:Url="http://0.0.0.0:$grpc_port" \
    --ReverseProxy:Clusters:web:Destinations:instance1:Address="http://127.0.0.1:$(web_of 1)" \
    --ReverseProxy:Clusters:web:Destinations:instance2:Address="http://127.0.0.1:$(web_of 2)" \
    --ReverseProxy:Clusters:grpc:Destinations:instance1:Address="http://127.0.0.1:$(grpc_of 1)" \
    --ReverseProxy:Clusters:grpc:Destinations:instance2:Address="http://127.0.0.1:$(grpc_of 2)" \
    </dev/null >"$dir/proxy.log" 2>&1) &
  echo $! >"$dir/proxy.pid"
}

up() {
  if running "$dir/proxy.pid" Capacity.Proxy.dll; then
    echo "The cluster already runs (scripts/cluster.sh status; scripts/cluster.sh down stops it)."
    print_where
    return 0
  fi
  if ls "$dir"/*.pid "$dir"/redis-*/redis.pid >/dev/null 2>&1; then
    echo "Parts of an earlier cluster are still there (pid files in $dir): scripts/cluster.sh down first." >&2
    exit 1
  fi
  mkdir -p "$dir"
  touch "$dir/.capacity-cluster" # down removes only a folder that up made
  echo "==> Checking for the .NET SDK, redis-server and curl (installed with apt-get if missing)"
  ensure_dotnet
  ensure_redis
  ensure_packages curl curl

  mkdir -p .data
  if [ -n "${CAPACITY_DEMO_SIGNING_KEY:-}" ]; then
    signing_key="$CAPACITY_DEMO_SIGNING_KEY"
  else
    if [ ! -s .data/demo-signing-key ]; then
      echo "==> Making this machine's demo signing key (.data/demo-signing-key)"
      (umask 077 && head -c 32 /dev/urandom | base64 >.data/demo-signing-key)
    fi
    signing_key="$(cat .data/demo-signing-key)"
  fi

  if [ -z "${CAPACITY_CLUSTER_NO_BUILD:-}" ]; then
    echo "==> Building the service and the proxy (the first build restores packages: a minute or two)"
    for project in src/Capacity.Service/Capacity.Service.csproj tools/Capacity.Proxy/Capacity.Proxy.csproj; do
      dotnet build -c Release -nologo -v quiet "$project" >"$dir/build.log" 2>&1 \
        || { cat "$dir/build.log" >&2; echo "The build failed (log above, also in $dir/build.log)." >&2; exit 1; }
    done
  fi
  [ -f "$service_bin/Capacity.Service.dll" ] && [ -f "$proxy_bin/Capacity.Proxy.dll" ] \
    || { echo "No Release build of the service and the proxy: run without CAPACITY_CLUSTER_NO_BUILD." >&2; exit 1; }

  local redis_config
  if [ "$mode" = cluster ]; then
    echo "==> Starting six redis-server nodes on 127.0.0.1:$redis_port-$((redis_port + 5)) and creating the cluster"
    start_redis
    # The three masters as seeds; the client learns the rest of the cluster from any of them.
    redis_config="127.0.0.1:$redis_port,127.0.0.1:$((redis_port + 1)),127.0.0.1:$((redis_port + 2))"
  else
    echo "==> Starting one redis-server on 127.0.0.1:$redis_port"
    start_redis
    redis_config="127.0.0.1:$redis_port"
  fi

  echo "==> Starting instance 1 (it loads the demo region), then instance 2"
  start_instance 1 "$redis_config"
  wait_http "http://127.0.0.1:$(web_of 1)/healthz" 120 "$dir/instance1.log"
  start_instance 2 "$redis_config"
  wait_http "http://127.0.0.1:$(web_of 2)/healthz" 120 "$dir/instance2.log"

  echo "==> Starting the proxy"
  start_proxy
  wait_http "http://127.0.0.1:$web_port/healthz" 60 "$dir/proxy.log"
  print_where
}

down() {
  local p
  stop_pid "$dir/proxy.pid" Capacity.Proxy.dll
  stop_pid "$dir/instance2.pid" Capacity.Service.dll
  stop_pid "$dir/instance1.pid" Capacity.Service.dll
  for pidfile in "$dir"/redis-*/redis.pid; do
    [ -e "$pidfile" ] && stop_pid "$pidfile" redis-server
  done
  # Only a folder up made (CAPACITY_CLUSTER_DIR=. must not take the working folder with it).
  if [ -e "$dir/.capacity-cluster" ]; then
    rm -rf "$dir"
    echo "Stopped the cluster and removed its data ($dir)."
  else
    echo "Stopped what ran; $dir was not made by scripts/cluster.sh up, so it is left as it is."
  fi
}

status() {
  local what any=""
  for what in proxy:Capacity.Proxy.dll instance1:Capacity.Service.dll instance2:Capacity.Service.dll; do
    if running "$dir/${what%%:*}.pid" "${what#*:}"; then
      echo "${what%%:*}: runs (pid $(cat "$dir/${what%%:*}.pid"))"; any=1
    else
      echo "${what%%:*}: not running"
    fi
  done
  for pidfile in "$dir"/redis-*/redis.pid; do
    [ -e "$pidfile" ] || continue
    p="${pidfile%/redis.pid}"; p="${p##*redis-}"
    if running "$pidfile" redis-server; then
      echo "redis $p: runs (pid $(cat "$pidfile")), $(redis-cli -p "$p" info replication 2>/dev/null | grep -m1 '^role:' | tr -d '\r')$(redis-cli -p "$p" cluster info 2>/dev/null | grep -m1 '^cluster_state:' | tr -d '\r' | sed 's/^/, /')"
      any=1
    else
      echo "redis $p: not running"
    fi
  done
  if [ -n "$any" ]; then
    echo "Web page: http://localhost:$web_port/   gRPC (h2c): http://localhost:$grpc_port"
  else
    echo "Nothing runs (scripts/cluster.sh up starts it)."
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: scripts/cluster.sh up|down|status" >&2; exit 64 ;;
esac
