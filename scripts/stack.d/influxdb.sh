# shellcheck shell=bash
# InfluxDB 2.x, API only (no UI assets): `influxd` built from the Go module proxy.
# Sourced by scripts/stack; see README.md in this folder for the contract.

influxdb_home() { echo "$CR_CACHE/influxdb-$INFLUXDB_VERSION"; }

# Build tags the upstream GNUmakefile uses, minus `assets` (which would need the UI bundle).
INFLUXDB_BUILD_TAGS=sqlite_foreign_keys,sqlite_json
# InfluxData's pkg-config wrapper: builds libflux (Rust) with cargo when cgo asks for `pkg-config flux`.
INFLUXDB_PKG_CONFIG_VERSION=v0.2.14

influxdb_install() {
  local home bin
  home=$(influxdb_home)
  bin=$home/bin/influxd
  [[ -x $bin ]] && return 0

  local t0=$SECONDS buildlog=$home/build.log lockfd
  mkdir -p "$home/bin"
  # `up` and `install` may run at once (CI, two terminals): one build, the other waits for it.
  exec {lockfd}>"$home/.install.lock"
  if ! flock -n "$lockfd"; then
    log "influxdb: another install is building influxd; waiting for it"
    flock "$lockfd"
  fi
  if [[ -x $bin ]]; then
    exec {lockfd}>&-
    return 0
  fi
  : >"$buildlog"
  log "influxdb: building influxd v$INFLUXDB_VERSION from source (first time only; libflux (Rust) + Go: tens of minutes on 2 cores, log: $buildlog)"

  # clang (libflux's C glue), pkg-config (the real one, wrapped by InfluxData's) and jq (setup) from Debian.
  local missing=() tool
  for tool in clang pkg-config jq; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if ((${#missing[@]})); then
    log "influxdb: apt-get install ${missing[*]}"
    if declare -F as_root_apt_install >/dev/null; then
      as_root_apt_install "${missing[@]}"
    else
      { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"; } >>"$buildlog" 2>&1 ||
        die "influxdb: apt-get install ${missing[*]} failed (log: $buildlog)"
    fi
  fi
  command -v cargo >/dev/null || die "influxdb: cargo not found (Rust is needed to build libflux; install rustup)"
  command -v go >/dev/null || die "influxdb: go not found"

  log "influxdb: installing pkg-config wrapper $INFLUXDB_PKG_CONFIG_VERSION"
  GOBIN=$home/tools go install "github.com/influxdata/pkg-config@$INFLUXDB_PKG_CONFIG_VERSION" >>"$buildlog" 2>&1 ||
    die "influxdb: go install pkg-config failed (log: $buildlog)"

  # libflux denies all warnings (`deny(warnings)` under its default `strict` feature), and newer Rust adds lints.
  # RUSTFLAGS does not reach build scripts' dependencies when cargo gets --target (the wrapper passes one, and
  # flux's build script compiles flux-core for the host), so cap the lints in every rustc call instead.
  cat >"$home/tools/rustc-cap-lints" <<'WRAPPER'
#!/bin/sh
# RUSTC_WRAPPER: turn lint errors into warnings, unless cargo already capped them (registry crates).
rustc=$1
shift
case " $* " in
  *" --cap-lints "* | *" --cap-lints="*) exec "$rustc" "$@" ;;
  *" --crate-name "*) exec "$rustc" "$@" --cap-lints warn ;;
  *) exec "$rustc" "$@" ;;
esac
WRAPPER
  chmod +x "$home/tools/rustc-cap-lints"

  log "influxdb: downloading module github.com/influxdata/influxdb/v2@v$INFLUXDB_VERSION"
  local moddir
  moddir=$(cd "$home" && go mod download -json "github.com/influxdata/influxdb/v2@v$INFLUXDB_VERSION" |
    sed -n 's/^\t"Dir": "\(.*\)",$/\1/p') || true
  [[ -n $moddir && -d $moddir ]] || die "influxdb: go mod download of v$INFLUXDB_VERSION failed"

  # The module has replace directives, which `go install mod@version` refuses: build in a writable copy.
  local src=$home/src
  rm -rf "$src"
  cp -r "$moddir" "$src"
  chmod -R u+w "$src"

  log "influxdb: go build ./cmd/influxd (cgo runs cargo for libflux on the way; both are silent until done)"
  # A heartbeat, so a long quiet build does not look hung.
  (while sleep 60; do log "influxdb: still building ($((SECONDS - t0))s)"; done) &
  local ticker=$!
  if ! (
    cd "$src" &&
      PKG_CONFIG=$home/tools/pkg-config \
        RUSTUP_TOOLCHAIN=stable \
        RUSTFLAGS=--cap-lints=warn \
        RUSTC_WRAPPER=$home/tools/rustc-cap-lints \
        CGO_ENABLED=1 CC=clang \
        go build -tags "$INFLUXDB_BUILD_TAGS" \
        -ldflags "-s -w -X main.version=$INFLUXDB_VERSION -X main.commit=gomodproxy" \
        -o "$bin.tmp" ./cmd/influxd
  ) >>"$buildlog" 2>&1; then
    kill "$ticker" 2>/dev/null
    tail -n 40 "$buildlog" >&2
    die "influxdb: build failed (log: $buildlog)"
  fi
  kill "$ticker" 2>/dev/null
  mv "$bin.tmp" "$bin"
  rm -rf "$src"
  exec {lockfd}>&-
  log "influxdb: built $bin in $((SECONDS - t0))s"
}

influxdb_url() { echo "http://127.0.0.1:$INFLUXDB_PORT"; }

# Runs in a fresh `bash -c`: only exported variables, no other function.
influxdb_run() {
  local dir=$STACK_STATE/influxdb
  mkdir -p "$dir"
  # influxd also reads config.* from its working directory: run from the state folder, config from provisioning/.
  cd "$dir" || exit 1
  export INFLUXD_CONFIG_PATH=$REPO_ROOT/provisioning/influxdb/config.yml
  exec "$CR_CACHE/influxdb-$INFLUXDB_VERSION/bin/influxd" \
    --http-bind-address "127.0.0.1:$INFLUXDB_PORT" \
    --bolt-path "$dir/influxd.bolt" \
    --engine-path "$dir/engine" \
    --sqlite-path "$dir/influxd.sqlite" \
    --reporting-disabled \
    --log-level info
}

influxdb_healthy() {
  curl -fsS --max-time 2 "$(influxdb_url)/health" | jq -e '.status == "pass"' >/dev/null
}

influxdb_start_timeout() { echo 60; }

# Refuse to start when another server (e.g. the compose container) already holds the port:
# its /health would pass and hide that ours failed to bind.
influxdb_prepare() {
  if ! is_running influxdb && curl -s --max-time 2 -o /dev/null "$(influxdb_url)/health"; then
    die "influxdb: port $INFLUXDB_PORT already answers but is not ours (docker compose? another influxd?): stop it first"
  fi
  mkdir -p "$STACK_STATE/influxdb"
}

influxdb_env() {
  echo "INFLUX_URL=$(influxdb_url)"
  echo "INFLUX_ORG=carbonreducer"
  echo "INFLUX_TOKEN=${INFLUXDB_APP_TOKEN:-}"
  echo "INFLUX_TELEGRAF_TOKEN=${INFLUXDB_TELEGRAF_TOKEN:-}"
  echo "INFLUX_GRAFANA_TOKEN=${INFLUXDB_GRAFANA_TOKEN:-}"
}

INFLUX_ORG=carbonreducer
INFLUXDB_BUCKETS=(telemetry carbon_intensity forecasts schedules)

# influxdb_api METHOD PATH [JSON]: calls the HTTP API with the operator token; prints the body;
# returns 1 (after logging status and body) on a non-2xx answer.
influxdb_api() {
  local method=$1 path=$2 body=${3:-} out code
  out=$(mktemp)
  local args=(-sS --max-time 10 -o "$out" -w '%{http_code}' -X "$method"
    -H "Authorization: Token $INFLUXDB_ADMIN_TOKEN" -H 'Content-Type: application/json')
  [[ -n $body ]] && args+=(--data "$body")
  if ! code=$(curl "${args[@]}" "$(influxdb_url)$path"); then
    rm -f "$out"
    log "influxdb: $method $path: no answer"
    return 1
  fi
  if [[ $code != 2* ]]; then
    log "influxdb: $method $path -> HTTP $code: $(head -c 400 "$out")"
    rm -f "$out"
    return 1
  fi
  cat "$out"
  rm -f "$out"
}

# Like secret_put, but replaces a stale value (tokens die with the data folder; the secrets file does not).
influxdb_secret_set() {
  local key=$1 value=$2
  if grep -q "^$key=" "$STACK_SECRETS" && ! grep -qxF "$key=$value" "$STACK_SECRETS"; then
    sed -i "/^$key=/d" "$STACK_SECRETS"
    # Running clients (telegraf reads its token at start) still hold the old value.
    log "influxdb: $key changed: restart what uses it, e.g. scripts/stack down telegraf && scripts/stack up telegraf"
  fi
  secret_put "$key" "$value"
}

# influxdb_token KEY DESCRIPTION PERMISSIONS_JSON: makes sure exactly one active token with that
# description and exactly those permissions exists, and that KEY in the secrets file holds it.
influxdb_token() {
  local key=$1 desc=$2 perms=$3 org_id=$4 auths match stale id token
  auths=$(influxdb_api GET "/api/v2/authorizations?orgID=$org_id") || die "influxdb: cannot list tokens"
  # Permissions compared as sorted "action type id" triples, so order and extra response fields do not matter.
  local jq_key='[.[] | "\(.action) \(.resource.type) \(.resource.id // "")"] | sort'
  match=$(jq -c --arg d "$desc" --argjson p "$perms" "
    [.authorizations[] | select(.description == \$d and .status == \"active\")
      | select((.permissions | $jq_key) == (\$p | $jq_key))] | first // empty" <<<"$auths")
  if [[ -n $match ]]; then
    token=$(jq -r .token <<<"$match")
    if ! grep -qxF "$key=$token" "$STACK_SECRETS"; then
      log "influxdb: storing existing token '$desc' as $key"
    fi
    influxdb_secret_set "$key" "$token"
    return 0
  fi
  # Same description, other permissions (buckets re-created, definition changed): replace it.
  stale=$(jq -r --arg d "$desc" '.authorizations[] | select(.description == $d) | .id' <<<"$auths")
  for id in $stale; do
    log "influxdb: deleting outdated token '$desc' ($id)"
    influxdb_api DELETE "/api/v2/authorizations/$id" >/dev/null || die "influxdb: cannot delete token $id"
  done
  token=$(influxdb_api POST /api/v2/authorizations \
    "$(jq -nc --arg o "$org_id" --arg d "$desc" --argjson p "$perms" '{orgID: $o, description: $d, permissions: $p}')" |
    jq -r .token) || die "influxdb: cannot create token '$desc'"
  [[ -n $token && $token != null ]] || die "influxdb: no token returned for '$desc'"
  influxdb_secret_set "$key" "$token"
  log "influxdb: created token '$desc' ($key)"
}

# Every `up`: org, user and operator token on first run; then the buckets and scoped tokens, creating only what is missing.
influxdb_setup() {
  local allowed org_id bucket bucket_id
  allowed=$(curl -fsS --max-time 5 "$(influxdb_url)/api/v2/setup" | jq -r .allowed) ||
    die "influxdb: GET /api/v2/setup failed"
  if [[ $allowed == true ]]; then
    log "influxdb: first run: creating org $INFLUX_ORG, user admin and the operator token"
    influxdb_api POST /api/v2/setup "$(jq -nc --arg p "$INFLUXDB_ADMIN_PASSWORD" --arg t "$INFLUXDB_ADMIN_TOKEN" \
      --arg o "$INFLUX_ORG" '{username: "admin", password: $p, org: $o, bucket: "telemetry", token: $t}')" \
      >/dev/null || die "influxdb: POST /api/v2/setup failed"
  fi

  org_id=$(influxdb_api GET "/api/v2/orgs?org=$INFLUX_ORG" | jq -r '.orgs[0].id // empty') ||
    die "influxdb: the operator token in $STACK_SECRETS is not accepted: the data in $STACK_STATE/influxdb was set up with other secrets (remove that folder to start afresh)"
  [[ -n $org_id ]] || die "influxdb: org $INFLUX_ORG not found"

  local write_telemetry='[]' rw_all='[]' read_all='[]' perm buckets
  # One listing (a name filter answers 404 for a missing bucket, indistinguishable from a wrong path).
  buckets=$(influxdb_api GET "/api/v2/buckets?orgID=$org_id&limit=100") || die "influxdb: cannot list buckets"
  for bucket in "${INFLUXDB_BUCKETS[@]}"; do
    bucket_id=$(jq -r --arg b "$bucket" '[.buckets[] | select(.name == $b)][0].id // empty' <<<"$buckets")
    if [[ -z $bucket_id ]]; then
      bucket_id=$(influxdb_api POST /api/v2/buckets \
        "$(jq -nc --arg o "$org_id" --arg b "$bucket" '{orgID: $o, name: $b, retentionRules: []}')" | jq -r .id) ||
        die "influxdb: cannot create bucket $bucket"
      log "influxdb: created bucket $bucket"
    fi
    perm() { jq -nc --arg a "$1" --arg i "$bucket_id" --arg o "$org_id" '{action: $a, resource: {type: "buckets", id: $i, orgID: $o}}'; }
    [[ $bucket == telemetry ]] && write_telemetry=$(jq -c ". + [$(perm write)]" <<<"$write_telemetry")
    rw_all=$(jq -c ". + [$(perm read), $(perm write)]" <<<"$rw_all")
    read_all=$(jq -c ". + [$(perm read)]" <<<"$read_all")
  done
  unset -f perm

  influxdb_token INFLUXDB_TELEGRAF_TOKEN 'telegraf: write telemetry' "$write_telemetry" "$org_id"
  influxdb_token INFLUXDB_APP_TOKEN 'carbonreducer services: read/write all buckets' "$rw_all" "$org_id"
  influxdb_token INFLUXDB_GRAFANA_TOKEN 'grafana: read all buckets' "$read_all" "$org_id"
}
