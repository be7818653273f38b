#!/bin/sh
# Writes the Mosquitto password file for users device, telegraf and service from
# MQTT_DEVICE_PASSWORD, MQTT_TELEGRAF_PASSWORD and MQTT_SERVICE_PASSWORD.
# Usage: make-passwd.sh <output file>. Used by scripts/stack (mosquitto_prepare) and docker-compose.
set -eu
out=${1:?usage: make-passwd.sh <output file>}
tmp="$out.tmp.$$"
: >"$tmp"
chmod 600 "$tmp"
mosquitto_passwd -b "$tmp" device "${MQTT_DEVICE_PASSWORD:?MQTT_DEVICE_PASSWORD is not set}"
mosquitto_passwd -b "$tmp" telegraf "${MQTT_TELEGRAF_PASSWORD:?MQTT_TELEGRAF_PASSWORD is not set}"
mosquitto_passwd -b "$tmp" service "${MQTT_SERVICE_PASSWORD:?MQTT_SERVICE_PASSWORD is not set}"
mv "$tmp" "$out"
