-- The API's tables (api/, @carbonreducer/api): who may reach which home, registered devices and their hashed HTTP
-- tokens, and each home's preferences. Runs as the app role on every `scripts/stack up` natively (also against a
-- running dev database) and on first start in docker-compose: every statement is idempotent, and later changes are
-- added as `ALTER ... IF NOT EXISTS` below the CREATEs, never by editing them.

-- Home membership: the Keycloak subject (`sub`, the user's id) of a homeowner and their role in that home. Managed by
-- operators through /api/homes/{homeId}/members; the API never trusts a home id from a client without this row.
CREATE TABLE IF NOT EXISTS app.home_members (
  home_id text NOT NULL REFERENCES app.homes (home_id) ON DELETE CASCADE,
  subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
  role text NOT NULL CHECK (role IN ('owner', 'resident')),
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (home_id, subject)
);
CREATE INDEX IF NOT EXISTS home_members_subject ON app.home_members (subject);

-- Registered devices. The HTTP token is `crd.<token_id>.<secret>`: token_id finds the row, the SHA-256 of the
-- 256-bit random secret is compared in constant time (a high-entropy secret needs no slow hash). The token and the
-- MQTT password are shown once at registration and never stored in clear. Revoking sets revoked_at; registering
-- the same device id again afterwards issues new credentials on the same row.
CREATE TABLE IF NOT EXISTS app.devices (
  home_id text NOT NULL REFERENCES app.homes (home_id) ON DELETE CASCADE,
  device_id text NOT NULL CHECK (device_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  -- The contract's device kinds (libs/telemetry DEVICE_KINDS; api/src/sql.test.ts keeps this list equal to it).
  kind text NOT NULL CHECK (kind IN ('meter', 'plug', 'thermometer', 'intensity', 'gateway')),
  label text,
  token_id text NOT NULL UNIQUE,
  token_sha256 bytea NOT NULL CHECK (length(token_sha256) = 32),
  mqtt_username text UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  PRIMARY KEY (home_id, device_id)
);

-- Preferences of a home (one row; defaults apply while there is none).
CREATE TABLE IF NOT EXISTS app.home_preferences (
  home_id text PRIMARY KEY REFERENCES app.homes (home_id) ON DELETE CASCADE,
  -- Price put on 1 kg CO2 when plans trade cost against emissions (currency/kg).
  co2_price_per_kg double precision NOT NULL DEFAULT 0.1 CHECK (co2_price_per_kg >= 0),
  -- Hours of the home's local day in which flexible runs may be placed: [earliest, latest).
  comfort_earliest_hour smallint NOT NULL DEFAULT 0 CHECK (comfort_earliest_hour BETWEEN 0 AND 23),
  comfort_latest_hour smallint NOT NULL DEFAULT 24 CHECK (comfort_latest_hour BETWEEN 1 AND 24),
  -- Main fuse in A; null when unknown.
  fuse_a smallint CHECK (fuse_a IS NULL OR fuse_a > 0),
  alerts_opt_in boolean NOT NULL DEFAULT false,
  alert_channel text NOT NULL DEFAULT 'mqtt' CHECK (alert_channel IN ('mqtt', 'sms')),
  leaderboard_opt_in boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (comfort_earliest_hour < comfort_latest_hour)
);
CREATE INDEX IF NOT EXISTS home_preferences_alerts ON app.home_preferences (home_id) WHERE alerts_opt_in;
