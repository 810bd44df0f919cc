#!/usr/bin/env bash
# Start or stop the app on gunicorn (2 sync workers, like the reference servers) against the benchmark database.
#   bench/server.sh start|stop
#   BENCH_DATABASE_URL (default sqlite:///$BENCH_STATE/crm.sqlite3), BENCH_PORT (8810),
#   BENCH_STATE (default ${TMPDIR:-/tmp}/crm-bench-ours): pid file, log and instance folder.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=${BENCH_STATE:-${TMPDIR:-/tmp}/crm-bench-ours}
PORT=${BENCH_PORT:-8810}
PIDFILE=$STATE/gunicorn.pid
export CRM_DATABASE_URL=${BENCH_DATABASE_URL:-sqlite:///$STATE/crm.sqlite3}
export CRM_INSTANCE_PATH=$STATE/instance
GUNICORN=${GUNICORN:-$ROOT/.venv/bin/gunicorn}

case ${1:-} in
  start)
    if [[ -f $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      echo "already running: pid $(cat "$PIDFILE")" >&2; exit 1
    fi
    mkdir -p "$STATE"
    (cd "$ROOT" && exec nohup "$GUNICORN" wsgi:app --bind "127.0.0.1:$PORT" --workers 2 --worker-class sync \
        --timeout 60 --log-level warning >"$STATE/gunicorn.log" 2>&1 </dev/null) &
    echo $! >"$PIDFILE"
    for _ in $(seq 1 60); do
      if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz"; then
        echo "started gunicorn pid $(cat "$PIDFILE") on http://127.0.0.1:$PORT"; exit 0
      fi
      kill -0 "$(cat "$PIDFILE")" 2>/dev/null || { cat "$STATE/gunicorn.log" >&2; rm -f "$PIDFILE"; exit 1; }
      sleep 0.5
    done
    echo "no answer on port $PORT within 30 s" >&2; exit 1 ;;
  stop)
    [[ -f $PIDFILE ]] || { echo "not running"; exit 0; }
    pid=$(cat "$PIDFILE")
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q gunicorn; then
      kill -TERM "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      echo "stopped gunicorn pid $pid"
    fi
    rm -f "$PIDFILE" ;;
  *)
    echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
