#!/usr/bin/env bash
# Temporal worker of the workflows package (ingest, forecast, retrain, optimize).
ACTION=${1:-start}
# shellcheck source=_lib.sh
. "$(dirname "$0")/_lib.sh"
service_main worker workflows/src/worker.ts npx tsx workflows/src/worker.ts
