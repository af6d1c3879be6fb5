#!/bin/sh
# Starts or stops tq's SQS test server (tooling/services/sqs-server.mjs) on loopback, for local runs and CI.
#   sh tooling/services/sqs.sh start     # idempotent; tests then use SQS_ENDPOINT=http://127.0.0.1:9324
#   sh tooling/services/sqs.sh stop      # stops only the server this script started (pid file)
#   sh tooling/services/sqs.sh status
# SQS_HOST / SQS_PORT choose the address (default 127.0.0.1:9324).
set -eu

HOST=${SQS_HOST:-127.0.0.1}
PORT=${SQS_PORT:-9324}
HERE=$(cd "$(dirname "$0")" && pwd)
STATE_DIR=${TMPDIR:-/tmp}
PID_FILE="$STATE_DIR/tq-sqs-server-$PORT.pid"
LOG_FILE="$STATE_DIR/tq-sqs-server-$PORT.log"

healthy() {
  node -e "
    fetch('http://$HOST:$PORT/__tq/health', { signal: AbortSignal.timeout(1000) })
      .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));
  " 2>/dev/null
}

listening() {
  node -e "
    const s = require('node:net').connect({ host: '$HOST', port: $PORT });
    s.setTimeout(1000, () => process.exit(1));
    s.on('connect', () => { s.end(); process.exit(0); });
    s.on('error', () => process.exit(1));
  " 2>/dev/null
}

ours() {
  [ -f "$PID_FILE" ] || return 1
  pid=$(cat "$PID_FILE")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q sqs-server.mjs "/proc/$pid/cmdline" 2>/dev/null
}

case "${1:-start}" in
  start)
    if healthy; then
      echo "sqs: already running on http://$HOST:$PORT"
      exit 0
    fi
    if listening; then
      echo "sqs: something else listens on $HOST:$PORT; set SQS_PORT to another port" >&2
      exit 1
    fi
    nohup node "$HERE/sqs-server.mjs" --host "$HOST" --port "$PORT" >"$LOG_FILE" 2>&1 &
    echo $! >"$PID_FILE"
    tries=0
    until healthy; do
      tries=$((tries + 1))
      if [ "$tries" -ge 50 ]; then
        echo "sqs: server did not come up on $HOST:$PORT within 5 s; log: $LOG_FILE" >&2
        exit 1
      fi
      sleep 0.1
    done
    echo "sqs: started on http://$HOST:$PORT (pid $(cat "$PID_FILE"), log $LOG_FILE); SQS_ENDPOINT=http://$HOST:$PORT"
    ;;
  stop)
    if ours; then
      kill "$(cat "$PID_FILE")"
      rm -f "$PID_FILE"
      echo "sqs: stopped"
    else
      rm -f "$PID_FILE"
      echo "sqs: no server started by this script is running"
    fi
    ;;
  status)
    if healthy; then echo "sqs: running on http://$HOST:$PORT"; else echo "sqs: not running on $HOST:$PORT"; exit 1; fi
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
