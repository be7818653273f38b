#!/bin/sh
# Entrypoint of the compose `grafana` service (official image): makes sure the organisations exist, then runs
# Grafana as the image does (/run.sh).
#
# Why: Grafana's file provisioning cannot create organisations, and it refuses (and Grafana does not start with) a
# data source or dashboard provider whose orgId does not exist. So before the real server reads the provisioning, a
# bootstrap server on the same database (loopback port $GRAFANA_BOOTSTRAP_PORT, basic auth, no provisioning, no
# OAuth) creates the orgs listed in orgs.env through Grafana's HTTP API, in order, and checks each got the id the
# provisioning files use. The built-in admin gets a fresh random password for this and nobody keeps it; the real
# server has no login form and no basic auth. Idempotent: existing orgs are kept.
set -eu

ORGS_FILE=${GRAFANA_ORGS_FILE:-/etc/grafana/carbonreducer/orgs.env}
PORT=${GRAFANA_BOOTSTRAP_PORT:-3099}
# The image's entrypoint; overridable so src/start.test.ts can run this script against a stand-in.
RUN=${GRAFANA_RUN:-/run.sh}
BASE="http://127.0.0.1:$PORT"
log() { echo "[carbonreducer grafana start] $*" >&2; }
die() { log "error: $*"; exit 1; }

[ -r "$ORGS_FILE" ] || die "cannot read $ORGS_FILE (mount provisioning/grafana/orgs.env there)"
# shellcheck disable=SC1090
. "$ORGS_FILE"
[ -n "${GRAFANA_ORGS:-}" ] || die "$ORGS_FILE sets no GRAFANA_ORGS"

# The read-only InfluxDB token of the Analytics org's data source (datasources/analytics.yaml reads
# $INFLUX_GRAFANA_TOKEN): in compose a file the `influxdb-grafana-token` service writes (influx-token.sh).
if [ -n "${INFLUX_GRAFANA_TOKEN_FILE:-}" ]; then
  [ -s "$INFLUX_GRAFANA_TOKEN_FILE" ] ||
    die "no InfluxDB token in $INFLUX_GRAFANA_TOKEN_FILE (INFLUX_GRAFANA_TOKEN_FILE; compose: service influxdb-grafana-token writes it)"
  INFLUX_GRAFANA_TOKEN=$(cat "$INFLUX_GRAFANA_TOKEN_FILE")
  export INFLUX_GRAFANA_TOKEN
fi

PW=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)
AUTH="Authorization: Basic $(printf 'admin:%s' "$PW" | base64 | tr -d '\n')"

# http METHOD PATH [JSON]: prints the body; fails on any HTTP error. In org $ORG (default 1). curl when the image
# has it, else BusyBox wget (GET and POST only).
ORG=1
http() {
  if command -v curl >/dev/null 2>&1; then
    if [ $# -ge 3 ]; then
      curl -fsS -X "$1" -H "$AUTH" -H "X-Grafana-Org-Id: $ORG" -H 'Content-Type: application/json' --data "$3" "$BASE$2"
    else
      curl -fsS -X "$1" -H "$AUTH" -H "X-Grafana-Org-Id: $ORG" "$BASE$2"
    fi
  elif [ $# -ge 3 ]; then
    wget -q -O - --header "$AUTH" --header "X-Grafana-Org-Id: $ORG" --header 'Content-Type: application/json' \
      --post-data "$3" "$BASE$2"
  else
    wget -q -O - --header "$AUTH" --header "X-Grafana-Org-Id: $ORG" "$BASE$2"
  fi
}

EMPTY=$(mktemp -d)
mkdir -p "$EMPTY/datasources" "$EMPTY/dashboards" "$EMPTY/plugins" "$EMPTY/alerting"
log "bootstrap server on 127.0.0.1:$PORT (no provisioning) to create the orgs: $GRAFANA_ORGS"
GF_SERVER_HTTP_ADDR=127.0.0.1 GF_SERVER_HTTP_PORT=$PORT GF_PATHS_PROVISIONING=$EMPTY \
  GF_AUTH_BASIC_ENABLED=true GF_AUTH_GENERIC_OAUTH_ENABLED=false GF_SECURITY_ADMIN_PASSWORD=$PW \
  GF_LOG_LEVEL=warn "$RUN" >&2 &
boot=$!
stop_boot() { kill "$boot" 2>/dev/null && wait "$boot" 2>/dev/null || true; }
trap stop_boot EXIT

waited=0
until http GET /api/health >/dev/null 2>&1; do
  kill -0 "$boot" 2>/dev/null || die "the bootstrap server exited"
  waited=$((waited + 1))
  [ "$waited" -le 180 ] || die "the bootstrap server did not answer $BASE/api/health within 180 s"
  sleep 1
done
# An existing database keeps the admin password of its first start: set this run's one.
if ! http GET /api/orgs >/dev/null 2>&1; then
  grafana cli --homepath "$GF_PATHS_HOME" --config "$GF_PATHS_CONFIG" admin reset-admin-password "$PW" >/dev/null ||
    die "cannot reset the built-in admin's password"
  http GET /api/orgs >/dev/null || die "the bootstrap server refuses the built-in admin"
fi

for entry in $GRAFANA_ORGS; do
  want=${entry%%:*}
  name=${entry#*:}
  have=$(http GET /api/orgs | tr '{' '\n' | sed -n "s/^\"id\":\([0-9]*\),\"name\":\"$name\".*/\1/p")
  if [ -z "$have" ]; then
    have=$(http POST /api/orgs "{\"name\":\"$name\"}" | sed -n 's/.*"orgId":"\{0,1\}\([0-9]*\).*/\1/p')
    log "created org $name (id $have)"
  fi
  [ "$have" = "$want" ] || die "org $name has id $have, the provisioning expects $want (orgs.env); a database from elsewhere?"
done

# Folders only an org's Admins may see (file provisioning cannot set permissions): created here with their UID, so
# the dashboard provider finds and keeps them, and their permissions replaced by "Admin role: admin".
for entry in ${GRAFANA_ADMIN_FOLDERS:-}; do
  ORG=${entry%%:*}
  rest=${entry#*:}
  uid=${rest%%:*}
  title=${rest#*:}
  if ! http GET "/api/folders/$uid" >/dev/null 2>&1; then
    http POST /api/folders "{\"uid\":\"$uid\",\"title\":\"$title\"}" >/dev/null || die "cannot create folder $uid in org $ORG"
    log "created folder $title ($uid) in org $ORG"
  fi
  http POST "/api/folders/$uid/permissions" '{"items":[{"role":"Admin","permission":4}]}' >/dev/null ||
    die "cannot restrict folder $uid in org $ORG to Admins"
done
ORG=1

stop_boot
trap - EXIT
rm -rf "$EMPTY"
log "orgs ready; starting Grafana"
exec "$RUN" "$@"
