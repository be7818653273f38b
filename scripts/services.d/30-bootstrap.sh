#!/usr/bin/env bash
# One-shot after the worker and the simulator: registers the simulated homes, runs the intensity ingest and the
# forecast now, and asks every simulated home for a dishwasher and a washing-machine run (real cycles), so the
# Temporal UI shows workflows on real data right after `bash scripts/main.sh`. Safe to repeat: the same day's
# requests are refused as duplicates. Same home count and prefix as 20-simulator.sh.
ACTION=${1:-start}
# shellcheck source=_lib.sh
. "$(dirname "$0")/_lib.sh"
SIM_HOMES=${SIM_HOMES:-10}
SIM_HOME_PREFIX=${SIM_HOME_PREFIX:-sim}
case $ACTION in
  start)
    mkdir -p "$STACK_STATE/logs"
    svc_log "bootstrap: homes ${SIM_HOME_PREFIX}-*, ingest, forecast, run requests (log $STACK_STATE/logs/bootstrap.log)"
    if ! (
      cd "$REPO_ROOT"
      set -a
      # shellcheck disable=SC1090
      . <(bash "$REPO_ROOT/scripts/stack" env)
      set +a
      npx carbonreducer-workflows bootstrap --homes "$SIM_HOMES" --home-prefix "$SIM_HOME_PREFIX"
    ) 2>&1 | tee -a "$STACK_STATE/logs/bootstrap.log" >&2; then
      svc_log "bootstrap failed (log $STACK_STATE/logs/bootstrap.log)"
      exit 1
    fi
    ;;
  stop | status) ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
