#!/usr/bin/env bash
# Makes every networked cache backend available on loopback for the integration suite.
#
#   scripts/services.sh start    check/start the shared services, start memcached ×3, a
#                                3-master Redis Cluster and a Sentinel set (primary, replica,
#                                3 Sentinels), print the backends' addresses
#   scripts/services.sh stop     stop only what this script started (memcached, the cluster,
#                                the Sentinel set)
#   scripts/services.sh status   print the addresses and whether each backend answers
#
# Addresses go to stdout as NAME=value lines (safe for `eval` / `export`); progress goes to
# stderr. Idempotent: running `start` twice leaves one of everything. Needs no stdin.
# Exit status of start/status: 0 when every backend answers, 1 otherwise.
set -euo pipefail

# Overridable so that a second copy can run beside the usual one (e.g. to test this script).
RUNTIME_DIR="${CACHE_SERVICES_DIR:-/tmp/cache-services}"
read -r -a MEMCACHED_PORTS <<<"${CACHE_SERVICES_MEMCACHED_PORTS:-11211 11212 11213}"
read -r -a CLUSTER_PORTS <<<"${CACHE_SERVICES_CLUSTER_PORTS:-7000 7001 7002}"
# Sentinel set: a primary and a replica (the data nodes) and three Sentinels watching them.
read -r -a SENTINEL_DATA_PORTS <<<"${CACHE_SERVICES_SENTINEL_DATA_PORTS:-6390 6391}"
read -r -a SENTINEL_PORTS <<<"${CACHE_SERVICES_SENTINEL_PORTS:-26379 26380 26381}"
SENTINEL_NAME="${CACHE_SERVICES_SENTINEL_NAME:-cache-primary}"
HOST=127.0.0.1

log() { printf '[services] %s\n' "$*" >&2; }

# TCP reachability probe: bash's /dev/tcp with a short timeout, no extra tools needed.
reachable() {
  timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# Polls `reachable` until it succeeds or `$3` seconds pass.
wait_reachable() {
  local host=$1 port=$2 seconds=${3:-30} i
  for ((i = 0; i < seconds * 5; i++)); do
    reachable "$host" "$port" && return 0
    sleep 0.2
  done
  return 1
}

# --- shared services (started before the session; we only restart them if down) ------------

# Runs the documented start command of a shared service when its port is closed.
ensure_shared() {
  local name=$1 port=$2
  shift 2
  if reachable "$HOST" "$port"; then
    log "$name is up on $HOST:$port"
    return 0
  fi
  log "$name is not answering on $HOST:$port; starting it"
  if ! (eval "$*") </dev/null >&2 2>&1; then
    log "WARNING: the start command for $name failed"
  fi
  if wait_reachable "$HOST" "$port" 30; then
    log "$name is up on $HOST:$port"
  else
    log "WARNING: $name is still unreachable on $HOST:$port"
    return 1
  fi
}

start_shared() {
  local failed=0
  if command -v redis-server >/dev/null; then
    mkdir -p /var/lib/redis /var/log/redis
    ensure_shared redis 6379 "redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' \
      --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log" || failed=1
  else
    log "WARNING: redis-server is not installed"
    failed=1
  fi
  if [ -d /etc/postgresql ]; then
    ensure_shared postgres 5432 \
      'pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start' || failed=1
  else
    reachable "$HOST" 5432 || { log "WARNING: PostgreSQL is not installed"; failed=1; }
  fi
  if [ -x /usr/sbin/mariadbd ]; then
    ensure_shared mariadb 3306 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd' ||
      failed=1
  else
    reachable "$HOST" 3306 || { log "WARNING: MariaDB is not installed"; failed=1; }
  fi
  if [ -x /usr/sbin/nats-server ]; then
    ensure_shared nats 4222 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
      -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log' || failed=1
  else
    reachable "$HOST" 4222 || { log "WARNING: nats-server is not installed"; failed=1; }
  fi
  return $failed
}

# --- memcached ------------------------------------------------------------------------------

install_memcached() {
  command -v memcached >/dev/null && return 0
  log "installing memcached with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  local install=(apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold memcached)
  # Refresh the package lists only when needed: when they do not know memcached (a fresh
  # machine), or when installing from them fails (stale lists pointing at replaced files).
  if ! apt-cache show memcached >/dev/null 2>&1; then
    apt-get update -qq </dev/null >&2
  fi
  if ! "${install[@]}" </dev/null >&2; then
    apt-get update -qq </dev/null >&2
    "${install[@]}" </dev/null >&2
  fi
}

# Whether the pid in file $1 is a live process whose command is $2.
pid_alive() {
  local file=$1 command=$2 pid
  [ -f "$file" ] || return 1
  pid=$(cat "$file" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && grep -q "^$command" "/proc/$pid/comm"
}

start_memcached() {
  install_memcached || { log "WARNING: memcached could not be installed"; return 1; }
  local dir="$RUNTIME_DIR/memcached" user=root port failed=0
  mkdir -p "$dir"
  # Run as the package's unprivileged user when it exists; it must be able to write its pid file.
  if id memcache >/dev/null 2>&1; then
    user=memcache
    chown memcache "$dir"
  fi
  for port in "${MEMCACHED_PORTS[@]}"; do
    if reachable "$HOST" "$port"; then
      log "memcached is up on $HOST:$port"
      continue
    fi
    rm -f "$dir/$port.pid"
    # -U 0: no UDP listener; -m 64: 64 MiB is plenty for tests; -I 2m: values up to 2 MiB.
    memcached -d -l "$HOST" -p "$port" -U 0 -m 64 -I 2m -u "$user" -P "$dir/$port.pid" </dev/null
    if wait_reachable "$HOST" "$port" 10; then
      log "memcached started on $HOST:$port"
    else
      log "WARNING: memcached did not come up on $HOST:$port"
      failed=1
    fi
  done
  return $failed
}

stop_memcached() {
  local dir="$RUNTIME_DIR/memcached" port
  for port in "${MEMCACHED_PORTS[@]}"; do
    stop_pidfile "$dir/$port.pid" memcached "memcached $HOST:$port"
  done
}

# --- Redis Cluster --------------------------------------------------------------------------

cluster_cli() { redis-cli -h "$HOST" -p "$1" "${@:2}" </dev/null 2>/dev/null; }

cluster_ok() {
  local port
  for port in "${CLUSTER_PORTS[@]}"; do
    cluster_cli "$port" cluster info | grep -q '^cluster_state:ok' || return 1
    [ "$(cluster_cli "$port" cluster info | sed -n 's/^cluster_known_nodes:\([0-9]*\).*/\1/p')" \
      -ge "${#CLUSTER_PORTS[@]}" ] || return 1
  done
}

start_cluster() {
  local base="$RUNTIME_DIR/redis-cluster" port dir nodes=() i
  for port in "${CLUSTER_PORTS[@]}"; do
    dir="$base/$port"
    mkdir -p "$dir"
    nodes+=("$HOST:$port")
    if reachable "$HOST" "$port"; then
      log "redis cluster node is up on $HOST:$port"
      continue
    fi
    redis-server --port "$port" --bind "$HOST" --daemonize yes --dir "$dir" --pidfile "$dir/redis.pid" \
      --logfile "$dir/redis.log" --save '' --appendonly no --cluster-enabled yes \
      --cluster-config-file nodes.conf --cluster-node-timeout 5000 </dev/null >&2
    wait_reachable "$HOST" "$port" 10 || { log "WARNING: redis cluster node did not start on $port"; return 1; }
  done

  if cluster_ok; then
    log "redis cluster is ok on ${nodes[*]}"
    return 0
  fi
  # A node restarted with its nodes.conf rejoins by itself: give it a moment before rebuilding.
  if [ "$(cluster_cli "${CLUSTER_PORTS[0]}" cluster info | sed -n 's/^cluster_slots_assigned:\([0-9]*\).*/\1/p')" \
    = 16384 ]; then
    for ((i = 0; i < 50; i++)); do
      cluster_ok && { log "redis cluster is ok on ${nodes[*]}"; return 0; }
      sleep 0.2
    done
  fi

  log "creating the redis cluster on ${nodes[*]}"
  # These nodes belong to this script: resetting them loses nothing anyone else relies on.
  for port in "${CLUSTER_PORTS[@]}"; do
    cluster_cli "$port" flushall >/dev/null || true
    cluster_cli "$port" cluster reset hard >/dev/null || true
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes </dev/null >&2
  for ((i = 0; i < 150; i++)); do
    cluster_ok && { log "redis cluster is ok on ${nodes[*]}"; return 0; }
    sleep 0.2
  done
  log "WARNING: redis cluster did not reach cluster_state:ok"
  return 1
}

stop_cluster() {
  local base="$RUNTIME_DIR/redis-cluster" port
  for port in "${CLUSTER_PORTS[@]}"; do
    stop_pidfile "$base/$port/redis.pid" redis-server "redis cluster node $HOST:$port"
    # A fresh cluster next time: a stale nodes.conf would make the nodes wait for each other.
    rm -f "$base/$port/nodes.conf"
  done
}

# --- Redis Sentinel -------------------------------------------------------------------------
# A primary (first data port), a replica of it (second data port) and three Sentinels
# monitoring them as "$SENTINEL_NAME" with quorum 2. Short down-after/failover timeouts, so a
# failover completes in a few seconds. After a failover the roles stay swapped (normal Sentinel
# operation), so `start` asks the set who the primary is instead of assuming the first port.

sentinel_cli() { redis-cli -h "$HOST" -p "$1" "${@:2}" </dev/null 2>/dev/null; }

# The port of the current primary: what a running Sentinel says (even when that node is down: a
# node restarted there is what the Sentinels expect), else the data node that reports
# role:master, else (nothing running) the first data port.
sentinel_primary_port() {
  local port reply
  for port in "${SENTINEL_PORTS[@]}"; do
    reply=$(sentinel_cli "$port" sentinel get-master-addr-by-name "$SENTINEL_NAME" | sed -n 2p | tr -d '\r')
    if [[ " ${SENTINEL_DATA_PORTS[*]} " == *" $reply "* ]] && [ -n "$reply" ]; then
      echo "$reply"
      return 0
    fi
  done
  for port in "${SENTINEL_DATA_PORTS[@]}"; do
    if sentinel_cli "$port" info replication | grep -q '^role:master'; then
      echo "$port"
      return 0
    fi
  done
  echo "${SENTINEL_DATA_PORTS[0]}"
}

# Whether every Sentinel has quorum and knows a replica and all the other Sentinels.
sentinel_ok() {
  local port info
  for port in "${SENTINEL_PORTS[@]}"; do
    sentinel_cli "$port" sentinel ckquorum "$SENTINEL_NAME" | grep -q '^OK' || return 1
    info=$(sentinel_cli "$port" sentinel master "$SENTINEL_NAME" | tr -d '\r' | paste -sd' ')
    [[ " $info " =~ \ num-slaves\ ([0-9]+)\  ]] && [ "${BASH_REMATCH[1]}" -ge 1 ] || return 1
    [[ " $info " =~ \ num-other-sentinels\ ([0-9]+)\  ]] &&
      [ "${BASH_REMATCH[1]}" -ge $((${#SENTINEL_PORTS[@]} - 1)) ] || return 1
  done
}

start_sentinel() {
  local base="$RUNTIME_DIR/redis-sentinel" port dir primary i role
  primary=$(sentinel_primary_port)
  for port in "${SENTINEL_DATA_PORTS[@]}"; do
    dir="$base/data-$port"
    mkdir -p "$dir"
    if reachable "$HOST" "$port"; then
      log "redis sentinel data node is up on $HOST:$port"
      continue
    fi
    role=()
    [ "$port" = "$primary" ] || role=(--replicaof "$HOST" "$primary")
    redis-server --port "$port" --bind "$HOST" --daemonize yes --dir "$dir" --pidfile "$dir/redis.pid" \
      --logfile "$dir/redis.log" --save '' --appendonly no "${role[@]}" </dev/null >&2
    wait_reachable "$HOST" "$port" 10 || { log "WARNING: redis sentinel data node did not start on $port"; return 1; }
    log "redis sentinel data node started on $HOST:$port${role[*]:+ (replica of $primary)}"
  done

  for port in "${SENTINEL_PORTS[@]}"; do
    dir="$base/sentinel-$port"
    mkdir -p "$dir"
    if reachable "$HOST" "$port"; then
      log "redis sentinel is up on $HOST:$port"
      continue
    fi
    # A fresh config at each start: Sentinel rewrites its file with what it learnt, and a stale
    # view (old epoch, old primary) would only delay agreement with the running Sentinels.
    # down-after must exceed Sentinel's 1 s ping period: at 1000 a just-promoted primary is
    # pinged first after exactly 1 s and marked down at once (measured: a second, spurious
    # failover). 1500 fails over in about 2 s.
    cat >"$dir/sentinel.conf" <<EOF
port $port
bind $HOST
daemonize yes
pidfile $dir/sentinel.pid
logfile $dir/sentinel.log
dir $dir
sentinel monitor $SENTINEL_NAME $HOST $primary 2
sentinel down-after-milliseconds $SENTINEL_NAME 1500
sentinel failover-timeout $SENTINEL_NAME 5000
sentinel parallel-syncs $SENTINEL_NAME 1
EOF
    redis-server "$dir/sentinel.conf" --sentinel </dev/null >&2
    wait_reachable "$HOST" "$port" 10 || { log "WARNING: redis sentinel did not start on $port"; return 1; }
    log "redis sentinel started on $HOST:$port (monitoring $SENTINEL_NAME at $HOST:$primary)"
  done

  # Sentinels find the replica through the primary's INFO and each other through its hello
  # channel (every 2 s): wait until all agree, so that no test starts on a half-formed set.
  for ((i = 0; i < 150; i++)); do
    sentinel_ok && { log "redis sentinel set is ok: $SENTINEL_NAME at $HOST:$(sentinel_primary_port)"; return 0; }
    sleep 0.2
  done
  log "WARNING: the redis sentinels did not agree on $SENTINEL_NAME within 30 s"
  return 1
}

stop_sentinel() {
  local base="$RUNTIME_DIR/redis-sentinel" port
  for port in "${SENTINEL_PORTS[@]}"; do
    stop_pidfile "$base/sentinel-$port/sentinel.pid" redis-server "redis sentinel $HOST:$port"
  done
  for port in "${SENTINEL_DATA_PORTS[@]}"; do
    stop_pidfile "$base/data-$port/redis.pid" redis-server "redis sentinel data node $HOST:$port"
  done
}

# --- shared helpers -------------------------------------------------------------------------

# Stops the process named in pid file $1 if it is still a $2 process; waits up to 10 s.
stop_pidfile() {
  local file=$1 command=$2 label=$3 pid i
  if ! pid_alive "$file" "$command"; then
    rm -f "$file"
    return 0
  fi
  pid=$(cat "$file")
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    [ -d "/proc/$pid" ] || break
    sleep 0.2
  done
  if [ -d "/proc/$pid" ]; then
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
  log "stopped $label"
}

print_addresses() {
  local cluster memcached_multi sentinels
  cluster=$(printf "$HOST:%s," "${CLUSTER_PORTS[@]}")
  sentinels=$(printf "$HOST:%s," "${SENTINEL_PORTS[@]}")
  memcached_multi=$(printf "$HOST:%s," "${MEMCACHED_PORTS[@]}")
  echo "CACHE_REDIS_URL=redis://$HOST:6379"
  echo "CACHE_REDIS_CLUSTER_NODES=${cluster%,}"
  echo "CACHE_REDIS_SENTINELS=${sentinels%,}"
  echo "CACHE_REDIS_SENTINEL_NAME=$SENTINEL_NAME"
  echo "CACHE_MEMCACHED_SERVERS=$HOST:${MEMCACHED_PORTS[0]}"
  echo "CACHE_MEMCACHED_MULTI_SERVERS=${memcached_multi%,}"
  echo "CACHE_POSTGRES_URL=postgres://postgres@$HOST:5432/test"
  echo "CACHE_MYSQL_URL=mysql://root@$HOST:3306/test"
  echo "CACHE_NATS_SERVERS=$HOST:4222"
}

status() {
  local failed=0 name port
  for entry in redis:6379 postgres:5432 mariadb:3306 nats:4222 \
    "${MEMCACHED_PORTS[@]/#/memcached:}" "${CLUSTER_PORTS[@]/#/redis-cluster:}" \
    "${SENTINEL_DATA_PORTS[@]/#/redis-sentinel-data:}" "${SENTINEL_PORTS[@]/#/redis-sentinel:}"; do
    name=${entry%%:*}
    port=${entry##*:}
    if reachable "$HOST" "$port"; then
      log "up    $name $HOST:$port"
    else
      log "DOWN  $name $HOST:$port"
      failed=1
    fi
  done
  if reachable "$HOST" "${CLUSTER_PORTS[0]}"; then
    if cluster_ok; then log "up    redis-cluster state ok"; else log "DOWN  redis-cluster state not ok"; failed=1; fi
  fi
  if reachable "$HOST" "${SENTINEL_PORTS[0]}"; then
    if sentinel_ok; then
      log "up    redis-sentinel $SENTINEL_NAME primary $HOST:$(sentinel_primary_port), quorum ok"
    else
      log "DOWN  redis-sentinel $SENTINEL_NAME lacks quorum, its replica or a Sentinel"
      failed=1
    fi
  fi
  return $failed
}

main() {
  local command=${1:-}
  case "$command" in
    start)
      local failed=0
      mkdir -p "$RUNTIME_DIR"
      start_shared || failed=1
      start_memcached || failed=1
      start_cluster || failed=1
      start_sentinel || failed=1
      print_addresses
      return $failed
      ;;
    stop)
      stop_memcached
      stop_cluster
      stop_sentinel
      ;;
    status)
      local failed=0
      status || failed=1
      print_addresses
      return $failed
      ;;
    *)
      echo "usage: $0 start|stop|status" >&2
      return 2
      ;;
  esac
}

main "$@"
