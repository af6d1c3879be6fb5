#!/bin/sh
# Makes sure a memcached listens on 127.0.0.1:11211 for tests and CI: installs Debian's package when the binary is
# missing, starts a daemon when nothing listens there. Safe to run any number of times; says what it did.
set -eu

HOST=${MEMCACHED_HOST:-127.0.0.1}
PORT=${MEMCACHED_PORT:-11211}
APT_LOCK=/tmp/tq-apt.lock

listening() {
  # bash's /dev/tcp is not in every sh; node is always here (the repo needs it).
  node -e "
    const s = require('node:net').connect({ host: '$HOST', port: $PORT });
    s.setTimeout(1000, () => process.exit(1));
    s.on('connect', () => { s.end(); process.exit(0); });
    s.on('error', () => process.exit(1));
  " 2>/dev/null
}

if command -v memcached >/dev/null 2>&1; then
  echo "memcached: installed ($(memcached -V 2>/dev/null || echo 'version unknown'))"
else
  echo "memcached: not installed, installing Debian's package"
  flock "$APT_LOCK" sh -c '
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-cache show memcached >/dev/null 2>&1; then apt-get update -q; fi
    apt-get install -y -q memcached || { apt-get update -q && apt-get install -y -q memcached; }
  '
  echo "memcached: installed ($(memcached -V))"
fi

if listening; then
  echo "memcached: something already listens on $HOST:$PORT, nothing started"
  exit 0
fi

# -u root is only needed (and only allowed) when running as root.
if [ "$(id -u)" = 0 ]; then USER_FLAG="-u root"; else USER_FLAG=""; fi
# shellcheck disable=SC2086
memcached -d $USER_FLAG -l "$HOST" -p "$PORT"

tries=0
until listening; do
  tries=$((tries + 1))
  if [ "$tries" -ge 50 ]; then
    echo "memcached: started but not listening on $HOST:$PORT after 5 s" >&2
    exit 1
  fi
  sleep 0.1
done
echo "memcached: started on $HOST:$PORT"
