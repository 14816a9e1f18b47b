-- Tessera's core schema: partners, API keys, admin tokens and the audit log.

DO $$ BEGIN
  CREATE ROLE tessera_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

GRANT USAGE ON SCHEMA public TO tessera_app;

CREATE TABLE partners (
  id text PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id text PRIMARY KEY,
  partner_id text NOT NULL REFERENCES partners (id),
  environment text NOT NULL CHECK (environment IN ('test', 'live')),
  prefix text NOT NULL UNIQUE CHECK (prefix ~ '^[A-Za-z0-9]{8}$'),
  name text NOT NULL,
  scopes text[] NOT NULL,
  secret_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz,
  regenerated_at timestamptz
);
CREATE INDEX api_keys_partner ON api_keys (partner_id, environment, created_at DESC);

CREATE TABLE admin_tokens (
  id text PRIMARY KEY,
  token_sha256 text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The audit log. Events are hash-chained per partner and environment: `chain_id` is 'ptn_…/live',
-- 'ptn_…/test', 'ptn_…' for partner-level events with no environment, or '-' for events that belong to no
-- partner (unknown keys, platform-wide admin actions). Each event's hash covers its canonical form and the
-- previous hash of its chain; audit_chain_heads holds the tip of each chain. `recorded_at` is taken while
-- the chain head is locked, so it never decreases along a chain and a period maps to a contiguous range.
CREATE TABLE audit_events (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  chain_id text NOT NULL,
  chain_seq bigint NOT NULL,
  recorded_at timestamptz NOT NULL,
  occurred_at timestamptz NOT NULL,
  request_id text,
  partner_id text,
  environment text,
  actor_type text NOT NULL,
  actor_id text,
  action text NOT NULL,
  method text,
  path text,
  status integer,
  error_code text,
  client_ip text,
  user_agent text,
  latency_ms double precision,
  detail jsonb,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  UNIQUE (chain_id, chain_seq)
);
CREATE INDEX audit_events_partner_time ON audit_events (partner_id, recorded_at, seq);

CREATE TABLE audit_chain_heads (
  chain_id text PRIMARY KEY,
  chain_seq bigint NOT NULL,
  hash text NOT NULL,
  recorded_at timestamptz
);

CREATE TABLE audit_seals (
  id text PRIMARY KEY,
  sealed_at timestamptz NOT NULL,
  heads jsonb NOT NULL,
  key_id text NOT NULL,
  signature text NOT NULL
);

CREATE TABLE audit_signing_keys (
  key_id text PRIMARY KEY,
  public_key text NOT NULL,
  private_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Append-only: the audit tables refuse every change but INSERT. Retention purges go through
-- tessera_audit_purge(), which is the one place allowed to delete, and only whole expired sealed ranges.
CREATE FUNCTION tessera_reject_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('tessera.audit_purge', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit tables are append-only (% on %)', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION tessera_reject_audit_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_reject_audit_change();
CREATE TRIGGER audit_seals_append_only BEFORE UPDATE OR DELETE ON audit_seals
  FOR EACH ROW EXECUTE FUNCTION tessera_reject_audit_change();
CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_reject_audit_change();

-- Writes commit their audit event in their own (partner-scoped) transaction, so the application role may
-- append to its own partner's chain and read its own events, nothing else.
GRANT SELECT, INSERT ON audit_events TO tessera_app;
GRANT SELECT, INSERT, UPDATE ON audit_chain_heads TO tessera_app;
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_chain_heads ENABLE ROW LEVEL SECURITY;
CREATE POLICY partner_isolation ON audit_events
  USING (partner_id = current_setting('tessera.partner_id', true))
  WITH CHECK (partner_id = current_setting('tessera.partner_id', true));
CREATE POLICY partner_isolation ON audit_chain_heads
  USING (split_part(chain_id, '/', 1) = current_setting('tessera.partner_id', true))
  WITH CHECK (split_part(chain_id, '/', 1) = current_setting('tessera.partner_id', true));
