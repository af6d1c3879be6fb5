#!/usr/bin/env bash
# Makes sure a 3-master Redis Cluster (no replicas) runs on 127.0.0.1:30001-30003 for @tq/redis's cluster tests.
# Starts only the servers that are not listening, forms the cluster only when it is not formed yet, then waits for
# cluster_state:ok. Safe to run any number of times; never restarts a running server. Everything (config, logs)
# lives under /tmp/tq-redis-cluster.
set -euo pipefail

BASE=/tmp/tq-redis-cluster
PORTS=(30001 30002 30003)

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
cluster_info() { redis-cli -h 127.0.0.1 -p "$1" cluster info 2>/dev/null | tr -d '\r'; }

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  echo "redis-cluster: installing Debian's redis-server"
  flock /tmp/tq-apt.lock bash -c 'export DEBIAN_FRONTEND=noninteractive; apt-get update -q >/dev/null && apt-get install -y -q redis-server redis-tools >/dev/null'
fi

for port in "${PORTS[@]}"; do
  if listening "$port"; then
    echo "redis-cluster: something already listens on $port"
    continue
  fi
  dir="$BASE/$port"
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$dir/nodes.conf" \
    --cluster-node-timeout 5000 --save "" --appendonly no --dir "$dir" --logfile "$dir/redis.log" --daemonize yes
  for _ in $(seq 1 50); do listening "$port" && break; sleep 0.1; done
  listening "$port" || { echo "redis-cluster: the server on $port did not start (see $dir/redis.log)" >&2; exit 1; }
  echo "redis-cluster: started a server on $port"
done

for port in "${PORTS[@]}"; do
  if ! cluster_info "$port" | grep -q '^cluster_enabled:1'; then
    # A plain server (someone else's) on our port: do not touch it.
    if redis-cli -h 127.0.0.1 -p "$port" info cluster 2>/dev/null | grep -q 'cluster_enabled:0'; then
      echo "redis-cluster: the server on $port is not cluster-enabled; not ours, giving up" >&2
      exit 1
    fi
  fi
done

# Formed = the first node knows all three masters and every slot is assigned.
if cluster_info "${PORTS[0]}" | grep -q '^cluster_slots_assigned:16384' &&
  [ "$(cluster_info "${PORTS[0]}" | sed -n 's/^cluster_known_nodes://p')" -ge "${#PORTS[@]}" ]; then
  echo "redis-cluster: already formed"
else
  echo "redis-cluster: forming the cluster"
  redis-cli --cluster create 127.0.0.1:30001 127.0.0.1:30002 127.0.0.1:30003 --cluster-replicas 0 --cluster-yes >"$BASE/create.log" 2>&1 ||
    { cat "$BASE/create.log" >&2; exit 1; }
fi

for _ in $(seq 1 100); do
  ok=1
  for port in "${PORTS[@]}"; do cluster_info "$port" | grep -q '^cluster_state:ok' || ok=0; done
  if [ "$ok" = 1 ]; then
    echo "redis-cluster: cluster_state:ok on ${PORTS[*]}"
    exit 0
  fi
  sleep 0.2
done
echo "redis-cluster: the cluster did not reach cluster_state:ok within 20 s" >&2
for port in "${PORTS[@]}"; do echo "--- $port" >&2; cluster_info "$port" >&2 || true; done
exit 1
