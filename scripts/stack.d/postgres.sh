# PostgreSQL from Debian's apt repository (bookworm ships 15), as an own cluster under $STACK_STATE/postgres.
# Superuser `postgres` and app role `carbonreducer` both use $POSTGRES_PASSWORD (scram-sha-256, TCP only).

postgres_bindir() { echo "/usr/lib/postgresql/$POSTGRES_VERSION/bin"; }

postgres_install() {
  [[ -x $(postgres_bindir)/postgres ]] && return 0
  log "installing postgresql-$POSTGRES_VERSION from apt"
  as_root_apt_install "postgresql-$POSTGRES_VERSION" postgresql-client-"$POSTGRES_VERSION"
}

# initdb and postgres refuse to run as root: when we are root, the cluster belongs to the `postgres` OS user.
postgres_as_owner() {
  if ((EUID == 0)); then setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; else "$@"; fi
}

postgres_prepare() {
  local dir=$STACK_STATE/postgres pw
  mkdir -p "$dir/run"
  ((EUID == 0)) && chown postgres:postgres "$dir" "$dir/run"
  if [[ ! -f $dir/data/PG_VERSION ]]; then
    log "initdb in $dir/data"
    pw=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pw"
    ((EUID == 0)) && chown postgres "$pw"
    postgres_as_owner "$(postgres_bindir)/initdb" -D "$dir/data" -U postgres --pwfile="$pw" \
      --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >>"$STACK_LOGS/postgres.log" 2>&1
    rm -f "$pw"
  fi
}

postgres_run() {
  local owner=()
  ((EUID == 0)) && owner=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  exec "${owner[@]}" "/usr/lib/postgresql/$POSTGRES_VERSION/bin/postgres" -D "$STACK_STATE/postgres/data" \
    -c listen_addresses=127.0.0.1 -c port="$POSTGRES_PORT" -c unix_socket_directories="$STACK_STATE/postgres/run" \
    -c shared_buffers=32MB -c max_connections=50
}

# postgres treats SIGTERM as "smart" shutdown (waits for every client); SIGINT is the fast one.
postgres_stop_signal() { echo INT; }

postgres_healthy() {
  "$(postgres_bindir)/pg_isready" -q -h 127.0.0.1 -p "$POSTGRES_PORT"
}

postgres_url() { echo "postgresql://carbonreducer@127.0.0.1:$POSTGRES_PORT/carbonreducer"; }

postgres_psql() {
  PGPASSWORD=$POSTGRES_PASSWORD PGOPTIONS="-c client_min_messages=warning" "$(postgres_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$POSTGRES_PORT" "$@"
}

# Same result as the postgres image's POSTGRES_USER/POSTGRES_DB plus /docker-entrypoint-initdb.d in docker-compose.
postgres_setup() {
  postgres_psql -U postgres -d postgres -v app_password="$POSTGRES_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE carbonreducer LOGIN PASSWORD %L', :'app_password')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'carbonreducer') \gexec
SELECT format('ALTER ROLE carbonreducer PASSWORD %L', :'app_password') \gexec
SELECT 'CREATE DATABASE carbonreducer OWNER carbonreducer'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'carbonreducer') \gexec
SQL
  local f
  for f in "$REPO_ROOT"/provisioning/postgres/init/*.sql; do
    [[ -f $f ]] || continue
    postgres_psql -U carbonreducer -d carbonreducer -f "$f"
  done
}

postgres_env() {
  echo "POSTGRES_URL=postgresql://carbonreducer:$POSTGRES_PASSWORD@127.0.0.1:$POSTGRES_PORT/carbonreducer"
}
