# Mosquitto from Debian's apt repository (bookworm: 2.0.11), config from provisioning/mosquitto/. Clients and ACLs are
# the dynamic-security plugin's (mosquitto_dynamic_security.so, shipped in Debian's mosquitto package): seeded by
# provisioning/mosquitto/dynsec-init.sh, service clients applied by dynsec-setup.sh, device clients added by the API.

mosquitto_install() {
  command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]] || {
    log "installing mosquitto from apt"
    as_root_apt_install mosquitto mosquitto-clients
  }
  local have
  have=$( (/usr/sbin/mosquitto -h 2>&1 || true) | sed -n 's/^mosquitto version \([0-9.]*\).*/\1/p')
  [[ $have == "$MOSQUITTO_VERSION" ]] || log "warning: mosquitto $have installed, provisioning/versions.env pins $MOSQUITTO_VERSION"
  # Debian builds the plugin into the mosquitto package; mosquitto_ctrl and mosquitto_rr come with it / the clients.
  mosquitto_dynsec_plugin >/dev/null || die "mosquitto_dynamic_security.so not found: the mosquitto package ($have) lacks the dynamic-security plugin"
  command -v mosquitto_rr >/dev/null 2>&1 || as_root_apt_install mosquitto-clients
  # Our plugin that counts refused publishes per topic (provisioning/mosquitto/denials) is built on `up`: a C compiler
  # and Mosquitto's plugin headers.
  { command -v cc >/dev/null 2>&1 && [[ -f /usr/include/mosquitto_plugin.h && -f /usr/include/mosquitto.h ]]; } ||
    as_root_apt_install gcc libc6-dev mosquitto-dev libmosquitto-dev
}

# The denials plugin, built once per source (cached like Telegraf's build).
mosquitto_denials_plugin() {
  local dir=$REPO_ROOT/provisioning/mosquitto/denials key out
  key=$(cat "$dir/build.sh" "$dir/carbonreducer_denials.c" | sha256sum | cut -c1-12)
  out=$CR_CACHE/mosquitto-denials-$key/carbonreducer_denials.so
  [[ -f $out ]] || "$dir/build.sh" "$out" >&2 || die "mosquitto: building the denials plugin failed (provisioning/mosquitto/denials/build.sh)"
  echo "$out"
}

# Path of the plugin the dynamic loader finds for `plugin mosquitto_dynamic_security.so` (mosquitto.conf).
mosquitto_dynsec_plugin() {
  local f
  for f in /usr/lib/*-linux-gnu/mosquitto_dynamic_security.so /usr/lib/mosquitto_dynamic_security.so; do
    [[ -f $f ]] && { echo "$f"; return 0; }
  done
  return 1
}

mosquitto_prepare() {
  local dir=$STACK_STATE/mosquitto
  mkdir -p "$dir/data"
  # The plugin's state: seeded once with the admin client, then the broker's (device clients live in it).
  "$REPO_ROOT/provisioning/mosquitto/dynsec-init.sh" "$dir/dynamic-security.json"
  # The TLS listener's certificate and key from the local CA (ensure_tls in scripts/stack), readable by the broker.
  mkdir -p "$dir/tls"
  install -m 600 "$STACK_TLS/server.key" "$dir/tls/server.key"
  install -m 644 "$STACK_TLS/server.crt" "$dir/tls/server.crt"
  # Our plugin counting refused publishes (mosquitto.conf: plugins/carbonreducer_denials.so, relative like the rest).
  local denials
  denials=$(mosquitto_denials_plugin) || exit 1
  mkdir -p "$dir/plugins"
  install -m 644 "$denials" "$dir/plugins/carbonreducer_denials.so"
  # Left over from the password_file/acl_file layout before the plugin.
  rm -f "$dir/passwd" "$dir/acl"
  # Started as root, mosquitto drops to the `mosquitto` user before it reads (and, here, rewrites) these files.
  if ((EUID == 0)); then chown -R mosquitto:mosquitto "$dir"; fi
}

mosquitto_run() {
  cd "$STACK_STATE/mosquitto"
  exec /usr/sbin/mosquitto -c "$REPO_ROOT/provisioning/mosquitto/mosquitto.conf"
}

# After healthy, every `up`: the service clients and roles (idempotent).
mosquitto_setup() {
  local rc=0
  if [[ ! -f $STACK_STATE/mosquitto/dynamic-security.json ]]; then
    # Started by an older checkout (password_file/acl_file) and still running: it has no plugin to set up.
    log "warning: mosquitto was started without the dynamic-security plugin; per-device identities need a restart:" \
      "bash scripts/stack down mosquitto && bash scripts/stack up mosquitto"
    return 0
  fi
  MQTT_HOST=127.0.0.1 "$REPO_ROOT/provisioning/mosquitto/dynsec-setup.sh" || rc=$?
  ((rc == 0)) || die "mosquitto: setting up its service clients failed (dynsec-setup.sh exit $rc; log: $STACK_LOGS/mosquitto.log)"
}

# A TCP connect is enough for health: authentication is what the smoke test checks.
mosquitto_healthy() { (exec 3<>"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null; }

mosquitto_url() { echo "mqtt://127.0.0.1:$MQTT_PORT"; }

mosquitto_env() {
  echo "MQTT_URL=mqtt://127.0.0.1:$MQTT_PORT"
  echo "MQTT_TLS_URL=mqtts://127.0.0.1:$MQTT_TLS_PORT"
  echo "MQTT_CA_FILE=$STACK_TLS/ca.crt"
  echo "MQTT_DYNSEC_USER=dynsec-admin"
}
