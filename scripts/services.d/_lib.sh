# Helpers for scripts/services.d/*.sh (see README.md there). Sourced, not run.
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STACK_STATE=${STACK_STATE:-$REPO_ROOT/.stack}
SERVICES_STATE=$STACK_STATE/services

svc_log() { printf '[services %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

svc_running() { [[ -f $SERVICES_STATE/$1.pid ]] && kill -0 "$(cat "$SERVICES_STATE/$1.pid")" 2>/dev/null; }

# service_main NAME ENTRY COMMAND... — dispatches on $ACTION (start|stop|status), set from the script's $1.
service_main() {
  local name=$1 entry=$2 pid
  shift 2
  mkdir -p "$SERVICES_STATE" "$STACK_STATE/logs"
  case "${ACTION:-start}" in
    start)
      if [[ ! -e $REPO_ROOT/$entry ]]; then
        svc_log "$name: skipped, $entry does not exist yet"
        return 0
      fi
      if svc_running "$name"; then
        svc_log "$name: already running (pid $(cat "$SERVICES_STATE/$name.pid"))"
        return 0
      fi
      (
        cd "$REPO_ROOT"
        set -a
        # shellcheck disable=SC1090
        . <(bash "$REPO_ROOT/scripts/stack" env)
        set +a
        exec setsid "$@" >>"$STACK_STATE/logs/$name.log" 2>&1 </dev/null
      ) &
      echo $! >"$SERVICES_STATE/$name.pid"
      sleep 2
      if ! svc_running "$name"; then
        tail -n 20 "$STACK_STATE/logs/$name.log" >&2 || true
        svc_log "$name: exited right after start (log: $STACK_STATE/logs/$name.log)"
        return 1
      fi
      svc_log "$name: started (pid $(cat "$SERVICES_STATE/$name.pid"), log $STACK_STATE/logs/$name.log)"
      ;;
    stop)
      if svc_running "$name"; then
        pid=$(cat "$SERVICES_STATE/$name.pid")
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL -- "-$pid" 2>/dev/null || true
        svc_log "$name: stopped"
      fi
      rm -f "$SERVICES_STATE/$name.pid"
      ;;
    status)
      if svc_running "$name"; then echo "$name running"; else echo "$name stopped"; fi
      ;;
    *)
      echo "usage: $0 start|stop|status" >&2
      return 2
      ;;
  esac
}
