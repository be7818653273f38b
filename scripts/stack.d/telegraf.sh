# Telegraf built from its Go module with only the plugins CarbonReducer uses (build tag `custom`) plus our own
# telemetry-contract processor (pipeline/telegraf-processor) and our fixes to Telegraf (pipeline/telegraf-patches),
# both built in by provisioning/telegraf/build.sh.
# Config: provisioning/telegraf/telegraf.conf plus every *.conf in provisioning/telegraf/telegraf.d/.

# The build is cached per Telegraf version, build script (which lists the plugins compiled in), TELEGRAF_BUILD_TAGS
# override, processor source and patches: a changed plugin or patch rebuilds, CI reruns reuse it.
telegraf_build_key() {
  {
    echo "$TELEGRAF_VERSION ${TELEGRAF_BUILD_TAGS:-}"
    cat "$REPO_ROOT/provisioning/telegraf/build.sh" "$REPO_ROOT/pipeline/telegraf-processor/go.mod"
    "$REPO_ROOT/provisioning/telegraf/build.sh" --sources | xargs -d '\n' cat
  } | sha256sum | cut -c1-12
}

telegraf_home() { echo "$CR_CACHE/telegraf-$TELEGRAF_VERSION-$(telegraf_build_key)"; }

telegraf_install() {
  local home
  home=$(telegraf_home)
  [[ -x $home/bin/telegraf ]] && return 0
  command -v go >/dev/null || die "telegraf: Go is needed to build it; install Go >= 1.25"
  log "building telegraf v$TELEGRAF_VERSION with our telemetry processor into $home (several minutes on a cold cache)"
  "$REPO_ROOT/provisioning/telegraf/build.sh" "$TELEGRAF_VERSION" "$home/bin/telegraf" \
    >>"$CR_CACHE/logs/telegraf-build.log" 2>&1 || die "telegraf build failed (log: $CR_CACHE/logs/telegraf-build.log)"
}

# telegraf_run runs in a fresh shell that only has its own definition: it gets the binary's path from here.
telegraf_prepare() { TELEGRAF_BIN=$(telegraf_home)/bin/telegraf && export TELEGRAF_BIN; }

telegraf_run() {
  mkdir -p "$STACK_STATE/telegraf"
  cd "$STACK_STATE/telegraf"
  # Telegraf allocates a few short-lived objects per telemetry reading; collecting garbage after 4× growth instead of
  # 2× (Go's default) cuts the GC's share of its CPU for some more memory (pipeline/README.md, benchmark).
  export GOGC=${TELEGRAF_GOGC:-400}
  # TELEGRAF_PPROF_ADDR (e.g. 127.0.0.1:6060): Go's profiler, to see where Telegraf spends its CPU under the benchmark.
  exec "$TELEGRAF_BIN" ${TELEGRAF_PPROF_ADDR:+--pprof-addr "$TELEGRAF_PPROF_ADDR"} \
    --config "$REPO_ROOT/provisioning/telegraf/telegraf.conf" \
    --config-directory "$REPO_ROOT/provisioning/telegraf/telegraf.d"
}

telegraf_healthy() { curl -fsS -o /dev/null "http://127.0.0.1:$TELEGRAF_HEALTH_PORT/"; }

telegraf_url() { echo "http://127.0.0.1:$TELEGRAF_HEALTH_PORT/ (health)"; }

telegraf_env() {
  echo "TELEGRAF_HEALTH_URL=http://127.0.0.1:$TELEGRAF_HEALTH_PORT/"
  echo "TELEGRAF_HTTP_URL=http://127.0.0.1:$TELEGRAF_HTTP_PORT"
}
