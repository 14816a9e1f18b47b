-- pgbench script for bench/audit.ts: bench/writes-booking.pgbench.sql WITHOUT its audit step (6), i.e. the
-- business transaction of one signed `POST /v1/bookings` (scope, idempotency claim and record, accepted
-- signature, quote lookup, booking row) and nothing of the audit log: the baseline that signed writes, audit
-- included, are compared with. Statements 1 to 5 must stay identical to that file's (bench/audit.ts checks
-- it on every run). Same variables: -D partner=… -D environment=test (others are accepted and unused).
BEGIN;
-- db.scoped: drop to the application role (row-level security applies) and set the partner scope.
SELECT set_config('role', 'tessera_app', true), set_config('tessera.partner_id', :partner, true),
       set_config('tessera.environment', :environment, true),
       'quo_p' || lpad(nextval('bench_pgbench_quote_seq')::text, 22, '0') AS quote_id,
       gen_random_uuid()::text AS idempotency_key,
       encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex') AS signature_sha256,
       'bkg_p' || substr(md5(random()::text), 1, 22) AS booking_id,
       'evt_p' || substr(md5(random()::text), 1, 22) AS event_id,
       'req_p' || substr(md5(random()::text), 1, 22) AS request_id \gset
-- 1. claim the Idempotency-Key
SELECT pg_try_advisory_xact_lock(hashtextextended(:partner || '/' || :environment || '/' || :idempotency_key, 0)) AS ok;
-- 2. a completed key would replay its stored response
SELECT fingerprint, status, response_body FROM idempotency_records
 WHERE partner_id = :partner AND environment = :environment AND idempotency_key = :idempotency_key;
-- 3. record the signature (a replay under another key would be refused)
INSERT INTO accepted_signatures (partner_id, environment, signature_sha256, idempotency_key)
VALUES (:partner, :environment, :signature_sha256, :idempotency_key)
ON CONFLICT (partner_id, environment, signature_sha256) DO UPDATE SET signature_sha256 = excluded.signature_sha256
RETURNING idempotency_key::text;
-- 4. the handler: find the quote, check it is not booked, insert the booking
SAVEPOINT handler;
SELECT id, origin, destination, departure_date::text AS departure_date, return_date::text AS return_date,
       adults, children, cabin, amount::text AS amount, currency, created_at, expires_at
  FROM quotes WHERE partner_id = :partner AND environment = :environment AND id = :quote_id \gset q_
SELECT 1 FROM bookings WHERE partner_id = :partner AND environment = :environment AND quote_id = :quote_id;
INSERT INTO bookings (id, partner_id, environment, quote_id, status, travellers, contact_email, reference,
   amount, currency, created_at)
VALUES (:booking_id, :partner, :environment, :quote_id, 'confirmed',
   json_build_array(json_build_object('first_name', 'Ada', 'last_name', 'Lovelace', 'birth_date', '1985-12-10'))::jsonb,
   'ada@example.com',
   :request_id, :q_amount, :q_currency, now())
RETURNING id, quote_id, status, travellers, contact_email, reference, amount::text AS amount, currency,
   created_at, cancelled_at;
-- 5. store the response for replays (the body the API returns; built with json_build_object because pgbench
--    would read a colon inside a JSON literal as a variable)
INSERT INTO idempotency_records (partner_id, environment, idempotency_key, fingerprint, status, response_body)
VALUES (:partner, :environment, :idempotency_key, encode(sha256(convert_to(:idempotency_key, 'UTF8')), 'hex'), 201,
   json_build_object('id', :booking_id::text, 'quote_id', :quote_id::text, 'status', 'confirmed',
     'travellers', json_build_array(json_build_object('first_name', 'Ada', 'last_name', 'Lovelace', 'birth_date', '1985-12-10')),
     'contact', json_build_object('email', 'ada@example.com'), 'reference', :request_id::text,
     'price', json_build_object('amount', :q_amount::text, 'currency', :q_currency::text), 'created_at', now(),
     'cancelled_at', NULL)::text);
COMMIT;
