#!/usr/bin/env bash
# CarbonReducer quick start: installs everything, starts the native stack and the project's services.
#   bash scripts/main.sh          install + start (idempotent: safe to run again)
#   bash scripts/main.sh stop     stop the project's services and the stack
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"

log() { printf '[main %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# npm ci when node_modules is missing or older than the lock file (npm writes node_modules/.package-lock.json).
ensure_node_modules() {
  if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    log "npm ci"
    ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
  fi
}

services() {
  local action=$1 files f
  files=(scripts/services.d/[0-9]*.sh)
  [[ -e ${files[0]} ]] || return 0
  if [[ $action == stop ]]; then
    for ((i = ${#files[@]} - 1; i >= 0; i--)); do bash "${files[i]}" stop; done
  else
    for f in "${files[@]}"; do bash "$f" "$action"; done
  fi
}

print_urls() {
  set -a
  # shellcheck disable=SC1091
  . provisioning/ports.env
  set +a
  echo
  echo "CarbonReducer is up."
  # Extension point: Grafana prints its URL once scripts/stack.d/grafana.sh exists.
  if [[ -f scripts/stack.d/grafana.sh ]]; then echo "  Grafana        http://127.0.0.1:$GRAFANA_PORT"; fi
  echo "  Temporal UI    http://127.0.0.1:$TEMPORAL_UI_PORT/namespaces/carbonreducer/workflows"
  echo "  Keycloak       http://127.0.0.1:$KEYCLOAK_PORT/admin  (realm carbonreducer; admin password: KEYCLOAK_ADMIN_PASSWORD in .stack/secrets.env)"
  echo "  API            http://127.0.0.1:$API_PORT  (OpenAPI: http://127.0.0.1:$API_PORT/api/openapi.json)"
  echo "                 https://127.0.0.1:$API_TLS_PORT  (verify with .stack/tls/ca.crt, e.g. curl --cacert .stack/tls/ca.crt)"
  echo "  InfluxDB API   http://127.0.0.1:$INFLUXDB_PORT"
  echo "  MQTT           mqtt://127.0.0.1:$MQTT_PORT"
  echo "  Status:        bash scripts/stack status;  logs: bash scripts/stack logs NAME;  stop: bash scripts/main.sh stop"
}

case "${1:-start}" in
  start)
    ensure_node_modules
    bash scripts/stack install
    bash scripts/stack up
    services start
    print_urls
    ;;
  stop)
    services stop
    bash scripts/stack down
    ;;
  status)
    bash scripts/stack status || true
    services status
    ;;
  *)
    echo "usage: bash scripts/main.sh [start|stop|status]" >&2
    exit 2
    ;;
esac
