# Mosquitto from Debian's apt repository (bookworm: 2.0.11), config from provisioning/mosquitto/.

mosquitto_install() {
  command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]] || {
    log "installing mosquitto from apt"
    as_root_apt_install mosquitto mosquitto-clients
  }
  local have
  have=$( (/usr/sbin/mosquitto -h 2>&1 || true) | sed -n 's/^mosquitto version \([0-9.]*\).*/\1/p')
  [[ $have == "$MOSQUITTO_VERSION" ]] || log "warning: mosquitto $have installed, provisioning/versions.env pins $MOSQUITTO_VERSION"
}

mosquitto_prepare() {
  local dir=$STACK_STATE/mosquitto
  mkdir -p "$dir/data"
  "$REPO_ROOT/provisioning/mosquitto/make-passwd.sh" "$dir/passwd"
  cp "$REPO_ROOT/provisioning/mosquitto/acl" "$dir/acl"
  # Started as root, mosquitto drops to the `mosquitto` user before it reads these files.
  if ((EUID == 0)); then chown -R mosquitto:mosquitto "$dir"; fi
}

mosquitto_run() {
  cd "$STACK_STATE/mosquitto"
  exec /usr/sbin/mosquitto -c "$REPO_ROOT/provisioning/mosquitto/mosquitto.conf"
}

# A TCP connect is enough for health: authentication is what the smoke test checks.
mosquitto_healthy() { (exec 3<>"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null; }

mosquitto_url() { echo "mqtt://127.0.0.1:$MQTT_PORT"; }

mosquitto_env() { echo "MQTT_URL=mqtt://127.0.0.1:$MQTT_PORT"; }
