-- The reference travel domain (quotes, bookings) and the write-safety tables (idempotency records,
-- accepted signatures). Every row carries partner_id and environment; row-level security restricts the
-- application role to the partner and environment set for the transaction.

CREATE TABLE quotes (
  id text PRIMARY KEY,
  partner_id text NOT NULL REFERENCES partners (id),
  environment text NOT NULL CHECK (environment IN ('test', 'live')),
  origin text NOT NULL,
  destination text NOT NULL,
  departure_date date NOT NULL,
  return_date date,
  adults integer NOT NULL,
  children integer NOT NULL,
  cabin text NOT NULL,
  amount numeric(12, 2) NOT NULL,
  currency text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX quotes_scope ON quotes (partner_id, environment, created_at DESC);

CREATE TABLE bookings (
  id text PRIMARY KEY,
  partner_id text NOT NULL REFERENCES partners (id),
  environment text NOT NULL CHECK (environment IN ('test', 'live')),
  quote_id text NOT NULL UNIQUE REFERENCES quotes (id),
  status text NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
  travellers jsonb NOT NULL,
  contact_email text NOT NULL,
  reference text,
  amount numeric(12, 2) NOT NULL,
  currency text NOT NULL,
  created_at timestamptz NOT NULL,
  cancelled_at timestamptz
);
CREATE INDEX bookings_scope ON bookings (partner_id, environment, created_at DESC, id DESC);

CREATE TABLE idempotency_records (
  partner_id text NOT NULL REFERENCES partners (id),
  environment text NOT NULL CHECK (environment IN ('test', 'live')),
  idempotency_key uuid NOT NULL,
  fingerprint text NOT NULL,
  status integer NOT NULL,
  response_body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (partner_id, environment, idempotency_key)
);
CREATE INDEX idempotency_records_age ON idempotency_records (created_at);

-- A signature accepted once may be presented again only with the same Idempotency-Key (a retry).
CREATE TABLE accepted_signatures (
  partner_id text NOT NULL REFERENCES partners (id),
  environment text NOT NULL CHECK (environment IN ('test', 'live')),
  signature_sha256 text NOT NULL,
  idempotency_key uuid NOT NULL,
  accepted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (partner_id, environment, signature_sha256)
);
CREATE INDEX accepted_signatures_age ON accepted_signatures (accepted_at);

GRANT SELECT, INSERT, UPDATE ON quotes, bookings TO tessera_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_records, accepted_signatures TO tessera_app;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['quotes', 'bookings', 'idempotency_records', 'accepted_signatures'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY partner_isolation ON %I
      USING (partner_id = current_setting('tessera.partner_id', true)
             AND environment = current_setting('tessera.environment', true))
      WITH CHECK (partner_id = current_setting('tessera.partner_id', true)
             AND environment = current_setting('tessera.environment', true))$p$, t);
  END LOOP;
END $$;
