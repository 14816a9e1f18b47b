-- Idempotency for gateway writes. The upstream's effect happens outside Tessera's transaction, so a key is
-- claimed first (a committed row in state in_progress, holding a lease), the request is forwarded, and then
-- the response and the audit event are stored in one transaction. A claim whose lease has run out (its node
-- died mid-flight) may be taken over by a retry; the upstream deduplicates on the same Idempotency-Key.
CREATE TABLE gateway_idempotency (
  partner_id text NOT NULL REFERENCES partners (id),
  environment text NOT NULL CHECK (environment IN ('test', 'live')),
  idempotency_key uuid NOT NULL,
  fingerprint text NOT NULL,
  claim_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('in_progress', 'completed')),
  lease_until timestamptz NOT NULL,
  status integer,
  content_type text,
  location text,
  response_body bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (partner_id, environment, idempotency_key)
);
CREATE INDEX gateway_idempotency_age ON gateway_idempotency (created_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON gateway_idempotency TO tessera_app;
ALTER TABLE gateway_idempotency ENABLE ROW LEVEL SECURITY;
CREATE POLICY partner_isolation ON gateway_idempotency
  USING (partner_id = current_setting('tessera.partner_id', true)
         AND environment = current_setting('tessera.environment', true))
  WITH CHECK (partner_id = current_setting('tessera.partner_id', true)
         AND environment = current_setting('tessera.environment', true));
