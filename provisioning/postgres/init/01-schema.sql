-- Runs as the app role `carbonreducer` in database `carbonreducer`, on every `scripts/stack up` natively and
-- once on first start in docker-compose (/docker-entrypoint-initdb.d): keep every statement idempotent.
CREATE SCHEMA IF NOT EXISTS app AUTHORIZATION carbonreducer;
ALTER ROLE carbonreducer SET search_path = app, public;

-- Which provisioning revision last ran against this database (read by the smoke test and operators).
CREATE TABLE IF NOT EXISTS app.provisioning_runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ran_at timestamptz NOT NULL DEFAULT now(),
  source text NOT NULL
);
INSERT INTO app.provisioning_runs (source) VALUES ('provisioning/postgres/init/01-schema.sql');
