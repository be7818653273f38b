# Telegraf built from its Go module with only the plugins CarbonReducer uses (build tag `custom`).
# Config: provisioning/telegraf/telegraf.conf plus every *.conf in provisioning/telegraf/telegraf.d/.

# One list for every plugin compiled in; add a tag here when a telegraf.d/ file needs another plugin.
# `go version -m` shows the tags a binary was built with, so changing the list rebuilds on the next install.
TELEGRAF_BUILD_TAGS=${TELEGRAF_BUILD_TAGS:-custom,inputs.mqtt_consumer,inputs.http_listener_v2,inputs.internal,outputs.influxdb_v2,outputs.health,parsers.json_v2,parsers.json,parsers.influx,parsers.value,processors.starlark,processors.converter}

telegraf_home() { echo "$CR_CACHE/telegraf-$TELEGRAF_VERSION"; }

telegraf_install() {
  local home
  home=$(telegraf_home)
  if [[ -x $home/bin/telegraf ]] && go version -m "$home/bin/telegraf" 2>/dev/null |
    grep -qxF "	build	-tags=$TELEGRAF_BUILD_TAGS"; then
    return 0
  fi
  command -v go >/dev/null || die "telegraf: Go is needed to build it (go install); install Go >= 1.24"
  log "building telegraf v$TELEGRAF_VERSION with tags $TELEGRAF_BUILD_TAGS (several minutes on a cold cache)"
  mkdir -p "$home/bin"
  GOBIN=$home/bin CGO_ENABLED=0 go install -tags "$TELEGRAF_BUILD_TAGS" \
    "github.com/influxdata/telegraf/cmd/telegraf@v$TELEGRAF_VERSION" >>"$CR_CACHE/logs/telegraf-build.log" 2>&1 ||
    die "telegraf build failed (log: $CR_CACHE/logs/telegraf-build.log)"
}

telegraf_run() {
  mkdir -p "$STACK_STATE/telegraf"
  cd "$STACK_STATE/telegraf"
  # Telegraf allocates a few short-lived objects per telemetry reading; collecting garbage after 4× growth instead of
  # 2× (Go's default) roughly halves the GC's share of its CPU for some more memory (pipeline/README.md, benchmark).
  export GOGC=${TELEGRAF_GOGC:-400}
  # TELEGRAF_PPROF_ADDR (e.g. 127.0.0.1:6060): Go's profiler, to see where Telegraf spends its CPU under the benchmark.
  exec "$CR_CACHE/telegraf-$TELEGRAF_VERSION/bin/telegraf" ${TELEGRAF_PPROF_ADDR:+--pprof-addr "$TELEGRAF_PPROF_ADDR"} \
    --config "$REPO_ROOT/provisioning/telegraf/telegraf.conf" \
    --config-directory "$REPO_ROOT/provisioning/telegraf/telegraf.d"
}

telegraf_healthy() { curl -fsS -o /dev/null "http://127.0.0.1:$TELEGRAF_HEALTH_PORT/"; }

telegraf_url() { echo "http://127.0.0.1:$TELEGRAF_HEALTH_PORT/ (health)"; }

telegraf_env() {
  echo "TELEGRAF_HEALTH_URL=http://127.0.0.1:$TELEGRAF_HEALTH_PORT/"
  echo "TELEGRAF_HTTP_URL=http://127.0.0.1:$TELEGRAF_HTTP_PORT"
}
