# Temporal dev server (Temporal CLI `server start-dev`, SQLite, Web UI included), built with `go install`.
# Namespace `carbonreducer` with search attributes HomeId, Appliance, ModelVersion, ForecastServedBy (all Keyword).

temporal_home() { echo "$CR_CACHE/temporal-cli-$TEMPORAL_CLI_VERSION"; }

temporal_install() {
  local home
  home=$(temporal_home)
  [[ -x $home/bin/temporal ]] && return 0
  command -v go >/dev/null || die "temporal: Go is needed to build the CLI (go install); install Go >= 1.23"
  log "building temporal CLI v$TEMPORAL_CLI_VERSION (a few minutes on a cold cache)"
  mkdir -p "$home/bin"
  GOBIN=$home/bin CGO_ENABLED=0 go install "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION" \
    >>"$CR_CACHE/logs/temporal-build.log" 2>&1 || die "temporal CLI build failed (log: $CR_CACHE/logs/temporal-build.log)"
}

# The same keys as provisioning/temporal/dynamicconfig.yaml (start-dev takes them as flags, not a file).
export TEMPORAL_DEV_DYNAMIC_CONFIG='system.forceSearchAttributesCacheRefreshOnRead=true frontend.enableUpdateWorkflowExecution=true'

temporal_run() {
  local args=() kv
  for kv in $TEMPORAL_DEV_DYNAMIC_CONFIG; do args+=(--dynamic-config-value "$kv"); done
  mkdir -p "$STACK_STATE/temporal"
  exec "$CR_CACHE/temporal-cli-$TEMPORAL_CLI_VERSION/bin/temporal" server start-dev \
    --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-ip 127.0.0.1 --ui-port "$TEMPORAL_UI_PORT" \
    --db-filename "$STACK_STATE/temporal/temporal.db" --namespace carbonreducer \
    --log-format json --log-level warn "${args[@]}"
}

temporal_cli() { "$(temporal_home)/bin/temporal" --address "127.0.0.1:$TEMPORAL_PORT" "$@"; }

temporal_healthy() {
  temporal_cli operator cluster health 2>/dev/null | grep -q SERVING &&
    curl -fsS -o /dev/null "http://127.0.0.1:$TEMPORAL_UI_PORT/"
}

temporal_url() { echo "http://127.0.0.1:$TEMPORAL_UI_PORT (UI), 127.0.0.1:$TEMPORAL_PORT (gRPC)"; }

# Idempotent: lists what exists, creates only what is missing.
temporal_setup() {
  local existing name
  temporal_cli operator namespace describe --namespace carbonreducer >/dev/null 2>&1 ||
    temporal_cli operator namespace create --namespace carbonreducer >/dev/null
  existing=$(temporal_cli operator search-attribute list --namespace carbonreducer -o json)
  for name in HomeId Appliance ModelVersion ForecastServedBy; do
    if ! grep -q "\"$name\"" <<<"$existing"; then
      temporal_cli operator search-attribute create --namespace carbonreducer --name "$name" --type Keyword >/dev/null
      log "temporal: search attribute $name (Keyword) registered"
    fi
  done
}

temporal_env() {
  echo "TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT"
  echo "TEMPORAL_NAMESPACE=carbonreducer"
  echo "TEMPORAL_UI_URL=http://127.0.0.1:$TEMPORAL_UI_PORT"
}
