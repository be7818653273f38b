#!/usr/bin/env bash
# Temporal worker of the workflows package (ingest, forecast, retrain, optimize).
ACTION=${1:-start}
# shellcheck source=_lib.sh
. "$(dirname "$0")/_lib.sh"
# Its Prometheus /metrics (Temporal SDK metrics), which Telegraf scrapes (provisioning/telegraf/telegraf.d/operations.conf).
WORKER_METRICS_PORT=$(sed -n 's/^WORKER_METRICS_PORT=//p' "$REPO_ROOT/provisioning/ports.env")
export WORKER_METRICS_ADDRESS=${WORKER_METRICS_ADDRESS:-127.0.0.1:$WORKER_METRICS_PORT}
service_main worker workflows/src/worker.ts npx tsx workflows/src/worker.ts
