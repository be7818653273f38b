-- The homes CarbonReducer serves: the forecast workflow forecasts the load of every active home, and the optimizer
-- plans each one against its own import limit. Registered by `npx carbonreducer-workflows homes register` (the main
-- job registers the simulated homes). Idempotent: runs on every `scripts/stack up`.
CREATE TABLE IF NOT EXISTS app.homes (
  home_id text PRIMARY KEY CHECK (home_id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  region text NOT NULL DEFAULT 'GB',
  time_zone text NOT NULL DEFAULT 'Europe/London',
  -- Main fuse as an import limit in W; null when unknown.
  import_limit_w integer CHECK (import_limit_w IS NULL OR import_limit_w > 0),
  active boolean NOT NULL DEFAULT true,
  registered_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS homes_active_region ON app.homes (region) WHERE active;
