#!/bin/sh
# The broker's service clients, as dynamic-security clients and roles, applied to a running broker in one request on
# $CONTROL/dynamic-security/v1 as `dynsec-admin`. Idempotent: roles get exactly the ACLs below on every run
# (modifyRole replaces them and keeps clients connected); clients are created once with their password from the
# secrets (an existing client is left alone: changing a password or roles would disconnect it).
# Per-device clients are not here: the API creates them when a device is registered (api/src/adapters/dynsec.ts).
#
#   client        role              may
#   dynsec-admin  admin             only the plugin's control topics (the API; also `mosquitto_ctrl`)
#   telegraf      service/telegraf  read carbonreducer/#, the two $SYS counters its ingest_flow check watches and
#                                   the denials plugin's counts ($SYS/broker/carbonreducer/denied)
#   service       service/service   read and write carbonreducer/# (workflows, simulator, API ingest, tests)
#   device        service/device    the shared device user until the simulator and gateway register their
#                                   devices through the API: write carbonreducer/#, receive only commands
#
# Usage: dynsec-setup.sh. Env: MQTT_HOST (127.0.0.1), MQTT_PORT (1883), MQTT_DYNSEC_ADMIN_PASSWORD,
# MQTT_TELEGRAF_PASSWORD, MQTT_SERVICE_PASSWORD, MQTT_DEVICE_PASSWORD. Exit 0 applied, 1 refused, 3 cannot reach or
# authenticate as dynsec-admin. Used by scripts/stack (mosquitto_setup) and docker-compose (mosquitto-setup).
set -eu
host=${MQTT_HOST:-127.0.0.1}
port=${MQTT_PORT:-1883}
: "${MQTT_DYNSEC_ADMIN_PASSWORD:?MQTT_DYNSEC_ADMIN_PASSWORD is not set}"
: "${MQTT_TELEGRAF_PASSWORD:?MQTT_TELEGRAF_PASSWORD is not set}"
: "${MQTT_SERVICE_PASSWORD:?MQTT_SERVICE_PASSWORD is not set}"
: "${MQTT_DEVICE_PASSWORD:?MQTT_DEVICE_PASSWORD is not set}"

# acl TYPE TOPIC [allow|deny] [PRIORITY]: the plugin checks a role's ACLs of a type by descending priority.
acl() { printf '{"acltype":"%s","topic":"%s","allow":%s,"priority":%s}' "$1" "$2" "$([ "${3:-allow}" = allow ] && echo true || echo false)" "${4:-0}"; }
# role NAME ACLS: created if missing, then its ACLs set to exactly ACLS.
role() {
  printf '{"command":"createRole","rolename":"%s"},' "$1"
  printf '{"command":"modifyRole","rolename":"%s","acls":[%s]},' "$1" "$2"
}
client() { printf '{"command":"createClient","username":"%s","password":"%s","roles":[{"rolename":"%s"}]},' "$1" "$2" "$3"; }

control='$CONTROL/dynamic-security/#'
admin_acls="$(acl publishClientSend "$control"),$(acl publishClientReceive "$control"),$(acl subscribePattern "$control")"
telegraf_acls="$(acl subscribePattern 'carbonreducer/#'),$(acl subscribeLiteral '$SYS/broker/uptime'),$(acl subscribeLiteral '$SYS/broker/publish/messages/received'),$(acl subscribeLiteral '$SYS/broker/carbonreducer/denied')"
service_acls="$(acl publishClientSend 'carbonreducer/#'),$(acl subscribePattern 'carbonreducer/#')"
# As with the acl_file before: any subscription under carbonreducer/, but only commands are delivered to it.
device_acls="$(acl publishClientSend 'carbonreducer/#'),$(acl subscribePattern 'carbonreducer/#')"
device_acls="$device_acls,$(acl publishClientReceive 'carbonreducer/+/commands/#' allow 1),$(acl publishClientReceive 'carbonreducer/commands/#' allow 1)"
device_acls="$device_acls,$(acl publishClientReceive 'carbonreducer/#' deny 0)"

commands="$(role admin "$admin_acls")"
commands="$commands$(role service/telegraf "$telegraf_acls")$(client telegraf "$MQTT_TELEGRAF_PASSWORD" service/telegraf)"
commands="$commands$(role service/service "$service_acls")$(client service "$MQTT_SERVICE_PASSWORD" service/service)"
commands="$commands$(role service/device "$device_acls")$(client device "$MQTT_DEVICE_PASSWORD" service/device)"

# mosquitto_rr 2.0.11 sends a payload given with -f as invalid JSON; -m works (the secrets are on the command line
# either way, as with -P: loopback, this machine's root only).
request=$(printf '{"commands":[%s]}' "${commands%,}")

if ! response=$(mosquitto_rr -h "$host" -p "$port" -u dynsec-admin -P "$MQTT_DYNSEC_ADMIN_PASSWORD" \
  -i "dynsec-setup-$$" -t '$CONTROL/dynamic-security/v1' -e '$CONTROL/dynamic-security/v1/response' \
  -m "$request" -W 10 2>&1); then
  echo "dynsec-setup: no answer from the dynamic-security plugin at $host:$port as dynsec-admin: $response" >&2
  exit 3
fi
# Every command answers; an error is fine only where it means "already there".
errors=$(printf '%s' "$response" | grep -o '"error":"[^"]*"' | grep -v -e '"Role already exists"' -e '"Client already exists"' || true)
if [ -n "$errors" ]; then
  echo "dynsec-setup: the broker refused: $errors (response: $response)" >&2
  exit 1
fi
