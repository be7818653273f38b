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

# For `scripts/stack status`: whether telemetry flows, from the ingest_flow points Telegraf's processor writes every
# 5 s (pipeline/telegraf-processor/flow.go): health as judged, and in the last minute the publishes the broker
# received next to the MQTT messages Telegraf took in and the points it wrote.
telegraf_detail() {
  local csv
  csv=$(curl -fsS --max-time 5 "http://127.0.0.1:$INFLUXDB_PORT/api/v2/query?org=carbonreducer" \
    -H "Authorization: Token ${INFLUXDB_ADMIN_TOKEN:-}" -H 'Content-Type: application/vnd.flux' -H 'Accept: application/csv' \
    --data-binary 'f = from(bucket: "telemetry") |> range(start: -60s) |> filter(fn: (r) => r._measurement == "ingest_flow")
f |> filter(fn: (r) => r._field == "mqtt_messages" or r._field == "broker_publishes_received" or r._field == "metrics_written" or r._field == "rejects" or r._field == "bad_topic_messages" or r._field == "broker_denied_publishes" or r._field == "broker_denied_subscribes") |> spread() |> yield(name: "spread")
f |> filter(fn: (r) => r._field == "healthy" or r._field == "mqtt_silent_s" or r._field == "write_stalled_s") |> last() |> yield(name: "last")' \
    2>/dev/null) || { echo "  ingest: no ingest_flow points readable (InfluxDB down?)"; return 0; }
  printf '%s\n' "$csv" | tr -d '\r' | awk -F, '
    /^,result,/ { for (i = 1; i <= NF; i++) { if ($i == "_field") f = i; if ($i == "_value") v = i }; next }
    f && NF >= v && $f != "" { val[$f] = $v }
    END {
      if (!("healthy" in val)) { print "  ingest: no ingest_flow point in the last minute (Telegraf not running its processor?)"; exit }
      printf "  ingest: %s (no MQTT message for %.0f s, output stalled for %.0f s); last minute: broker received %d publishes, Telegraf took %d MQTT messages, wrote %d points, %d rejects (%d messages off the contract topics; per topic: ingest_rejects_by_topic); the broker refused %d publishes and %d subscriptions no ACL allows (per topic: ingest_denied_by_topic)\n",
        (val["healthy"] == "true" ? "flowing" : "STALLED"), val["mqtt_silent_s"], val["write_stalled_s"],
        val["broker_publishes_received"], val["mqtt_messages"], val["metrics_written"], val["rejects"], val["bad_topic_messages"],
        val["broker_denied_publishes"], val["broker_denied_subscribes"]
    }'
}
