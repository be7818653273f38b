#!/bin/sh
# Seeds the dynamic-security plugin's state file with its admin client `dynsec-admin` (password
# MQTT_DYNSEC_ADMIN_PASSWORD), once: the file is the broker's own state afterwards (the API adds and removes device
# clients through $CONTROL/dynamic-security/v1), so an existing file is never rewritten.
# Usage: dynsec-init.sh <dynamic-security.json>. Used by scripts/stack (mosquitto_prepare) and docker-compose.
set -eu
out=${1:?usage: dynsec-init.sh <dynamic-security.json>}
[ -s "$out" ] && exit 0
: "${MQTT_DYNSEC_ADMIN_PASSWORD:?MQTT_DYNSEC_ADMIN_PASSWORD is not set (bash scripts/stack env generates it)}"
tmp="$out.tmp.$$"
rm -f "$tmp"
umask 077
mosquitto_ctrl dynsec init "$tmp" dynsec-admin "$MQTT_DYNSEC_ADMIN_PASSWORD" >/dev/null
mv "$tmp" "$out"
