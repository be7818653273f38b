#!/bin/sh
# Compose service `influxdb-grafana-token` (influxdb image, its `influx` CLI): the read-only InfluxDB token Grafana's
# InfluxDB data source uses ("grafana: read all buckets", as `bash scripts/stack up influxdb` creates natively), kept
# in FILE for the `grafana` service (start.sh reads INFLUX_GRAFANA_TOKEN_FILE).
#   influx-token.sh FILE        env: INFLUX_HOST, INFLUX_ORG, INFLUX_TOKEN (the operator token), GRAFANA_UID
# Why not .stack/secrets.env's INFLUXDB_GRAFANA_TOKEN: InfluxDB generates token values itself, so that one is only
# valid on the native stack's InfluxDB, not on compose's (its own data volume).
# Idempotent: a token in FILE that this InfluxDB still accepts is kept; otherwise a new one is created. (A token whose
# file was lost with its volume stays in InfluxDB, unused; delete it there if wanted.)
set -eu

out=${1:?usage: influx-token.sh FILE}
desc='grafana: read all buckets'
log() { echo "[influx-token] $*" >&2; }

: "${INFLUX_HOST:?INFLUX_HOST is not set}" "${INFLUX_ORG:?INFLUX_ORG is not set}"
: "${INFLUX_TOKEN:?INFLUX_TOKEN (the operator token) is not set}"

if [ -s "$out" ]; then
  # Listing the buckets needs exactly what the data source needs (read); a token of another InfluxDB fails.
  if influx bucket list --org "$INFLUX_ORG" --token "$(cat "$out")" --hide-headers >/dev/null 2>&1; then
    log "$out holds a token this InfluxDB accepts: kept"
    exit 0
  fi
  log "$out holds a token this InfluxDB refuses: creating a new one"
fi

# --read-buckets: read on every bucket of the org, present and future (natively: read on each bucket of BUCKETS).
answer=$(influx auth create --org "$INFLUX_ORG" --description "$desc" --read-buckets --json) ||
  { log "influx auth create failed"; exit 1; }
# The answer is one authorization object; only it has a "token" key (its permissions do not).
token=$(printf '%s\n' "$answer" | sed -n 's/^[[:space:]]*"token":[[:space:]]*"\([^"]*\)".*$/\1/p' | head -n 1)
[ -n "$token" ] || { log "no token in the answer of influx auth create: $answer"; exit 1; }

umask 077
printf '%s\n' "$token" >"$out.tmp"
# Grafana's image runs as uid 472; nobody else needs to read it.
chown "${GRAFANA_UID:-472}" "$out.tmp"
chmod 0400 "$out.tmp"
mv -f "$out.tmp" "$out"
log "created token '$desc' into $out"
