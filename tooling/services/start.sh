#!/usr/bin/env bash
# Makes sure every service the tests use is up, starting only what is not already running. Never restarts a
# running service (they are shared). Installs the Debian packages the interop tests need (Python Celery 5.2).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "services: installing Debian packages: ${missing[*]}"
  flock /tmp/tq-apt.lock bash -c "export DEBIAN_FRONTEND=noninteractive; apt-get update -q >/dev/null && apt-get install -y -q ${missing[*]} >/dev/null"
}

apt_install python3-celery python3-redis python3-msgpack python3-yaml python3-memcache python3-boto3 python3-pycurl python3-cryptography

if listening 127.0.0.1 6379; then echo "services: redis already listening on 6379"; else
  apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  echo "services: started redis on 6379"
fi
bash "$here/redis-cluster.sh"

if listening 127.0.0.1 5672; then echo "services: rabbitmq already listening on 5672"; else
  apt_install rabbitmq-server
  rabbitmq-server -detached
  for _ in $(seq 1 60); do listening 127.0.0.1 5672 && break; sleep 1; done
  listening 127.0.0.1 5672 && echo "services: started rabbitmq on 5672" || { echo "services: rabbitmq did not start"; exit 1; }
fi

sh "$here/memcached.sh"
if [ -f "$here/sqs.sh" ]; then bash "$here/sqs.sh" start; fi
