-- The homes CarbonReducer serves: the forecast workflow forecasts the load of every active home, and the optimizer
-- plans each one against its own import limit. Registered by `npx carbonreducer-workflows homes register` (the main
-- job registers the simulated homes). Idempotent: runs on every `scripts/stack up`.
CREATE TABLE IF NOT EXISTS app.homes (
  home_id text PRIMARY KEY,
  region text NOT NULL DEFAULT 'GB',
  time_zone text NOT NULL DEFAULT 'Europe/London',
  -- Main fuse as an import limit in W; null when unknown.
  import_limit_w integer CHECK (import_limit_w IS NULL OR import_limit_w > 0),
  active boolean NOT NULL DEFAULT true,
  registered_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- The device contract's id rule (libs/telemetry ID_PATTERN; libs/telemetry/src/idRule.test.ts checks it is the same),
-- replaced on every run so a database made with an older rule gets this one.
ALTER TABLE app.homes DROP CONSTRAINT IF EXISTS homes_home_id_check;
ALTER TABLE app.homes ADD CONSTRAINT homes_home_id_check CHECK (home_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$');
CREATE INDEX IF NOT EXISTS homes_active_region ON app.homes (region) WHERE active;
