# Keycloak (Quarkus distribution) from Maven Central: org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz.
# Dev mode on 127.0.0.1, H2 database under $STACK_STATE/keycloak, realm imported from provisioning/keycloak/realm/.

keycloak_home() { echo "$CR_CACHE/keycloak-$KEYCLOAK_VERSION"; }

# Source of our provider (SMS OTP authenticator, phone-number required action, second-factor condition and
# enrolment): a Maven project built against the SPI of $KEYCLOAK_VERSION.
KEYCLOAK_PROVIDER_SRC=identity/keycloak-sms-otp

# Cache key of the provider JAR: the Keycloak version and every source file (not target/).
keycloak_provider_hash() {
  {
    echo "$KEYCLOAK_VERSION"
    (cd "$REPO_ROOT/$KEYCLOAK_PROVIDER_SRC" && find . -path ./target -prune -o -type f -print | LC_ALL=C sort | xargs sha256sum)
  } | sha256sum | cut -c1-16
}

# Builds the provider once per version+source hash into $CR_CACHE/keycloak-providers/ (from a copy of the source,
# so a developer's own target/ is left alone); prints the JAR's path.
keycloak_provider_build() {
  local hash dir jar t0=$SECONDS
  hash=$(keycloak_provider_hash)
  dir="$CR_CACHE/keycloak-providers"
  jar="$dir/carbonreducer-keycloak-sms-otp-$KEYCLOAK_VERSION-$hash.jar"
  if [[ ! -f $jar ]]; then
    ((CR_JAVA_MAJOR >= 21)) || die "keycloak: the provider needs a JDK 21+ (found ${CR_JAVA_MAJOR:-none} at ${CR_JAVA_HOME:-?})"
    command -v mvn >/dev/null || die "keycloak: Maven (mvn) is needed to build the provider"
    log "building the Keycloak provider ($KEYCLOAK_PROVIDER_SRC, Keycloak $KEYCLOAK_VERSION, source $hash)"
    mkdir -p "$dir" "$CR_CACHE/logs"
    rm -rf "$dir/src-$hash" && mkdir -p "$dir/src-$hash"
    (cd "$REPO_ROOT/$KEYCLOAK_PROVIDER_SRC" && tar --exclude=./target -cf - .) | tar -xf - -C "$dir/src-$hash"
    # Unit tests run in scripts/test.sh (their counts go into its closing line); the install only packages.
    (cd "$dir/src-$hash" && JAVA_HOME=$CR_JAVA_HOME nice mvn -B -q -DskipTests -Dkeycloak.version="$KEYCLOAK_VERSION" package) \
      >>"$CR_CACHE/logs/keycloak-provider-build.log" 2>&1 ||
      die "keycloak: provider build failed (log: $CR_CACHE/logs/keycloak-provider-build.log)"
    cp "$dir/src-$hash/target/carbonreducer-keycloak-sms-otp.jar" "$jar.tmp" && mv "$jar.tmp" "$jar"
    rm -rf "$dir/src-$hash"
    log "provider built in $((SECONDS - t0)) s: $jar"
  fi
  echo "$jar"
}

keycloak_install() {
  local home tgz jar
  home=$(keycloak_home)
  command -v jq >/dev/null || as_root_apt_install jq
  # The login-page tests drive Debian's Chromium (playwright-core with executablePath /usr/bin/chromium).
  [[ -x /usr/bin/chromium ]] || as_root_apt_install chromium
  if [[ ! -x $home/bin/kc.sh ]]; then
    command -v mvn >/dev/null || die "keycloak: Maven (mvn) is needed to fetch it from Maven Central"
    log "fetching org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz from Maven Central"
    rm -rf "$home.tmp" && mkdir -p "$home.tmp"
    mvn -q -B dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz" \
      -DoutputDirectory="$home.tmp" -Dmdep.overWriteReleases=true >>"$CR_CACHE/logs/keycloak-install.log" 2>&1 ||
      die "maven could not fetch keycloak (log: $CR_CACHE/logs/keycloak-install.log)"
    tgz="$home.tmp/keycloak-quarkus-dist-$KEYCLOAK_VERSION.tar.gz"
    tar -xzf "$tgz" -C "$home.tmp" --strip-components=1
    rm -f "$tgz"
    rm -rf "$home" && mv "$home.tmp" "$home"
  fi
  jar=$(keycloak_provider_build)
  # docker-compose.yml mounts the same JAR from the source folder's target/ (git-ignored).
  mkdir -p "$REPO_ROOT/$KEYCLOAK_PROVIDER_SRC/target"
  cmp -s "$jar" "$REPO_ROOT/$KEYCLOAK_PROVIDER_SRC/target/carbonreducer-keycloak-sms-otp.jar" ||
    cp "$jar" "$REPO_ROOT/$KEYCLOAK_PROVIDER_SRC/target/carbonreducer-keycloak-sms-otp.jar"
  # Installed already (same JAR): nothing to do. Otherwise replace ours in providers/ and re-augment.
  [[ -f $home/providers/.carbonreducer-provider && $(cat "$home/providers/.carbonreducer-provider") == "$jar" ]] && return 0
  rm -f "$home"/providers/carbonreducer-*.jar "$home/providers/.carbonreducer-provider"
  cp "$jar" "$home/providers/carbonreducer-keycloak-sms-otp.jar"
  log "kc.sh build (provider $(basename "$jar"))"
  JAVA_HOME=$CR_JAVA_HOME JAVA_OPTS_APPEND='--add-opens=java.base/java.lang=ALL-UNNAMED' \
    nice "$home/bin/kc.sh" build --db=dev-file --health-enabled=true --metrics-enabled=true \
    --features=user-event-metrics >>"$CR_CACHE/logs/keycloak-install.log" 2>&1 ||
    die "keycloak: kc.sh build failed with the provider (log: $CR_CACHE/logs/keycloak-install.log)"
  echo "$jar" >"$home/providers/.carbonreducer-provider"
}

keycloak_prepare() {
  local home realm_hash
  home=$(keycloak_home)
  [[ -n $CR_JAVA_HOME ]] || die "keycloak: no JDK 17+ found under /usr/lib/jvm or /opt"
  mkdir -p "$STACK_STATE/keycloak" "$home/data/import"
  # --import-realm reads only the distribution's data/import; realms that already exist are skipped. So when the
  # realm file changed since the dev database was made, the dev database is reset (setup recreates the users).
  realm_hash=$(cat "$REPO_ROOT"/provisioning/keycloak/realm/*.json | sha256sum | cut -c1-16)
  if [[ -d $STACK_STATE/keycloak/h2 && $(cat "$STACK_STATE/keycloak/realm.sha" 2>/dev/null) != "$realm_hash" ]]; then
    log "keycloak: realm file changed: resetting the dev database $STACK_STATE/keycloak/h2"
    rm -rf "$STACK_STATE/keycloak/h2"
  fi
  echo "$realm_hash" >"$STACK_STATE/keycloak/realm.sha"
  rm -f "$home"/data/import/*.json
  cp "$REPO_ROOT"/provisioning/keycloak/realm/*.json "$home/data/import/"
  # Credentials of the SMS gateways (the provider reads them from its environment). The native stack's are made up
  # for the local Twilio/MessageBird-speaking test server; real ones come from the environment of a real deployment.
  secret_put TWILIO_ACCOUNT_SID "AC$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  secret_put TWILIO_AUTH_TOKEN "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  secret_put TWILIO_FROM "+15005550006"
  secret_put MESSAGEBIRD_ACCESS_KEY "test_$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 25)"
  secret_put MESSAGEBIRD_ORIGINATOR "CarbonRed"
}

keycloak_run() {
  export JAVA_HOME=$CR_JAVA_HOME
  # Fixed heap: newer kc.sh sizes it as a share of RAM, far more than a dev realm needs.
  export JAVA_OPTS_KC_HEAP='-Xms64m -Xmx512m -XX:MaxMetaspaceSize=256m'
  # JDK 24+: JBoss threads reset thread locals through java.lang internals (an error at shutdown otherwise).
  export JAVA_OPTS_APPEND='--add-opens=java.base/java.lang=ALL-UNNAMED'
  export KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=$KEYCLOAK_ADMIN_PASSWORD
  # The realm file enables the test-only client (direct grant, loopback redirects) only where this is true.
  export KEYCLOAK_TEST_CLIENT_ENABLED=true
  exec "$CR_CACHE/keycloak-$KEYCLOAK_VERSION/bin/kc.sh" start-dev \
    --http-host=127.0.0.1 --http-port="$KEYCLOAK_PORT" --http-management-port="$KEYCLOAK_MANAGEMENT_PORT" \
    --health-enabled=true --metrics-enabled=true --features=user-event-metrics --event-metrics-user-enabled=true \
    --import-realm \
    --db=dev-file --db-url="jdbc:h2:file:$STACK_STATE/keycloak/h2/keycloakdb;NON_KEYWORDS=VALUE;AUTO_SERVER=TRUE"
}

# Cold JVM plus Quarkus on a busy 2-core machine: measured 75-140 s.
keycloak_start_timeout() { echo 300; }

keycloak_healthy() { curl -fsS -o /dev/null "http://127.0.0.1:$KEYCLOAK_MANAGEMENT_PORT/health/ready"; }

keycloak_url() { echo "http://127.0.0.1:$KEYCLOAK_PORT/realms/carbonreducer (admin: http://127.0.0.1:$KEYCLOAK_PORT/admin)"; }

keycloak_admin_token() {
  curl -fsS "http://127.0.0.1:$KEYCLOAK_PORT/realms/master/protocol/openid-connect/token" \
    -d grant_type=password -d client_id=admin-cli -d username=admin \
    --data-urlencode "password=$KEYCLOAK_ADMIN_PASSWORD" | jq -r .access_token
}

# Every up: the grafana client secret follows the secrets file, and the users below exist with their generated
# password and a known TOTP secret (from the secrets file, never committed), so tests and demos can compute codes:
#   smoke-homeowner (smoke test), demo-homeowner (org Homes), demo-analyst and demo-operator (org Analytics).
keycloak_setup() {
  local token base client client_id users="" entry username role group pw_key otp_key user_id pw
  token=$(keycloak_admin_token)
  [[ -n $token ]] || die "keycloak: admin login failed (user admin, KEYCLOAK_ADMIN_PASSWORD from $STACK_SECRETS)"
  base="http://127.0.0.1:$KEYCLOAK_PORT/admin/realms/carbonreducer"
  client=$(curl -fsS -H "Authorization: Bearer $token" "$base/clients?clientId=grafana" | jq -c '.[0] // empty')
  [[ -n $client ]] || die "keycloak: client grafana missing in realm carbonreducer (realm import failed?)"
  client_id=$(jq -r .id <<<"$client")
  jq -c --arg s "$KEYCLOAK_CLIENT_SECRET" '.secret = $s' <<<"$client" |
    curl -fsS -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
      "$base/clients/$client_id" -d @-

  # Base32 alphabet only, so the same string works as raw secret (Keycloak) and as authenticator key (otplib).
  secret_put KEYCLOAK_TEST_OTP_SECRET "$(head -c 64 /dev/urandom | base64 | tr -dc 'A-Z2-7' | head -c 32)"
  secret_put KEYCLOAK_TEST_USER_PASSWORD "$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)"
  secret_put KEYCLOAK_DEMO_OTP_SECRET "$(head -c 64 /dev/urandom | base64 | tr -dc 'A-Z2-7' | head -c 32)"
  for role in homeowner analyst operator; do
    secret_put "KEYCLOAK_DEMO_${role^^}_PASSWORD" "$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)"
  done
  # username:role:group:password variable:otp variable
  for entry in smoke-homeowner:homeowner:Homes:KEYCLOAK_TEST_USER_PASSWORD:KEYCLOAK_TEST_OTP_SECRET \
    demo-homeowner:homeowner:Homes:KEYCLOAK_DEMO_HOMEOWNER_PASSWORD:KEYCLOAK_DEMO_OTP_SECRET \
    demo-analyst:analyst:Analytics:KEYCLOAK_DEMO_ANALYST_PASSWORD:KEYCLOAK_DEMO_OTP_SECRET \
    demo-operator:operator:Analytics:KEYCLOAK_DEMO_OPERATOR_PASSWORD:KEYCLOAK_DEMO_OTP_SECRET; do
    IFS=: read -r username role group pw_key otp_key <<<"$entry"
    # Already there with both credentials (set from the same secrets file): nothing to do.
    user_id=$(curl -fsS -H "Authorization: Bearer $token" "$base/users?username=$username&exact=true" | jq -r '.[0].id // empty')
    if [[ -n $user_id ]] && [[ $(curl -fsS -H "Authorization: Bearer $token" "$base/users/$user_id/credentials" |
      jq -r '[.[].type] | sort | join(",")') == otp,password ]]; then
      continue
    fi
    pw=${!pw_key}
    users+=$(jq -nc --arg u "$username" --arg r "$role" --arg g "$group" --arg p "$pw" --arg o "${!otp_key}" '{
      username: $u, email: ($u + "@carbonreducer.invalid"), emailVerified: true, firstName: "Demo", lastName: $r,
      enabled: true, realmRoles: [$r], groups: [$g], requiredActions: [],
      credentials: [
        { type: "password", value: $p, temporary: false },
        { type: "otp", userLabel: "generated", secretData: ({ value: $o } | tojson),
          credentialData: ({ subType: "totp", digits: 6, counter: 0, period: 30, algorithm: "HmacSHA1" } | tojson) }
      ] }'),
  done
  [[ -z $users ]] && return 0
  curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    "$base/partialImport" -d "{\"ifResourceExists\": \"OVERWRITE\", \"users\": [${users%,}]}"
}

keycloak_env() {
  echo "KEYCLOAK_URL=http://127.0.0.1:$KEYCLOAK_PORT"
  echo "KEYCLOAK_REALM=carbonreducer"
  echo "KEYCLOAK_ISSUER=http://127.0.0.1:$KEYCLOAK_PORT/realms/carbonreducer"
  # What the API checks in a user's access token (provisioning/keycloak/README.md).
  echo "KEYCLOAK_AUDIENCE=carbonreducer-api"
  echo "KEYCLOAK_MFA_ACR=mfa"
  echo "KEYCLOAK_METRICS_URL=http://127.0.0.1:$KEYCLOAK_MANAGEMENT_PORT/metrics"
}
