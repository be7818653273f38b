# Keycloak (Quarkus distribution) from Maven Central: org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz.
# Dev mode on 127.0.0.1, H2 database under $STACK_STATE/keycloak, realm imported from provisioning/keycloak/realm/.

keycloak_home() { echo "$CR_CACHE/keycloak-$KEYCLOAK_VERSION"; }

keycloak_install() {
  local home tgz
  home=$(keycloak_home)
  command -v jq >/dev/null || as_root_apt_install jq
  [[ -x $home/bin/kc.sh ]] && return 0
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
}

keycloak_prepare() {
  local home
  home=$(keycloak_home)
  [[ -n $CR_JAVA_HOME ]] || die "keycloak: no JDK 17+ found under /usr/lib/jvm or /opt"
  mkdir -p "$STACK_STATE/keycloak" "$home/data/import"
  # --import-realm reads only the distribution's data/import; realms that already exist are skipped.
  rm -f "$home"/data/import/*.json
  cp "$REPO_ROOT"/provisioning/keycloak/realm/*.json "$home/data/import/"
}

keycloak_run() {
  export JAVA_HOME=$CR_JAVA_HOME
  # Fixed heap: newer kc.sh sizes it as a share of RAM, far more than a dev realm needs.
  export JAVA_OPTS_KC_HEAP='-Xms64m -Xmx512m -XX:MaxMetaspaceSize=256m'
  # JDK 24+: JBoss threads reset thread locals through java.lang internals (an error at shutdown otherwise).
  export JAVA_OPTS_APPEND='--add-opens=java.base/java.lang=ALL-UNNAMED'
  export KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=$KEYCLOAK_ADMIN_PASSWORD
  exec "$CR_CACHE/keycloak-$KEYCLOAK_VERSION/bin/kc.sh" start-dev \
    --http-host=127.0.0.1 --http-port="$KEYCLOAK_PORT" --http-management-port="$KEYCLOAK_MANAGEMENT_PORT" \
    --health-enabled=true --import-realm \
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

# Every up: the grafana client secret follows the secrets file, and the smoke-test user is (re)written with a
# known password and TOTP secret (partial import, OVERWRITE), so tests can compute one-time codes.
keycloak_setup() {
  local token base client client_id otp_secret user_password user_id
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
  otp_secret=$KEYCLOAK_TEST_OTP_SECRET
  user_password=$KEYCLOAK_TEST_USER_PASSWORD
  # Already there with both credentials (they were set from the same secrets file): nothing to do.
  user_id=$(curl -fsS -H "Authorization: Bearer $token" "$base/users?username=smoke-homeowner&exact=true" |
    jq -r '.[0].id // empty')
  if [[ -n $user_id ]] && [[ $(curl -fsS -H "Authorization: Bearer $token" "$base/users/$user_id/credentials" |
    jq -r '[.[].type] | sort | join(",")') == otp,password ]]; then
    return 0
  fi
  curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    "$base/partialImport" -d @- <<JSON
{
  "ifResourceExists": "OVERWRITE",
  "users": [
    {
      "username": "smoke-homeowner",
      "email": "smoke-homeowner@carbonreducer.invalid",
      "emailVerified": true,
      "firstName": "Smoke",
      "lastName": "Test",
      "enabled": true,
      "realmRoles": ["homeowner"],
      "requiredActions": [],
      "credentials": [
        { "type": "password", "value": "$user_password", "temporary": false },
        {
          "type": "otp",
          "userLabel": "smoke test",
          "secretData": "{\"value\":\"$otp_secret\"}",
          "credentialData": "{\"subType\":\"totp\",\"digits\":6,\"counter\":0,\"period\":30,\"algorithm\":\"HmacSHA1\"}"
        }
      ]
    }
  ]
}
JSON
}

keycloak_env() {
  echo "KEYCLOAK_URL=http://127.0.0.1:$KEYCLOAK_PORT"
  echo "KEYCLOAK_REALM=carbonreducer"
  echo "KEYCLOAK_ISSUER=http://127.0.0.1:$KEYCLOAK_PORT/realms/carbonreducer"
}
