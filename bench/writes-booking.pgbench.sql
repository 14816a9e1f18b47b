-- pgbench script for bench/writes.ts and bench/audit.ts: the database work of one signed
-- `POST /v1/bookings`, statement for statement, in one transaction (src/pipeline/write-transaction.ts,
-- src/domain/bookings/*, src/audit/append.ts). Run with -M extended (like node-postgres: parameters,
-- unnamed statements) and -D partner=… -D environment=test -D chain=<partner>/test -D prefix=<key prefix>.
-- Ids, the Idempotency-Key and the signature digest are drawn in the first statement instead of in Node;
-- each transaction books its own pre-created quote (quo_p…, numbered by a sequence).
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
-- 6. ingest the request's audit event: one plain INSERT of an unsequenced event (no position, recorded_at or
--    hashes) and no chain-head lock; the cluster's sequencer places it later (src/audit/sequence.ts).
--    bench/writes-booking-no-audit.pgbench.sql is this script without this step.
INSERT INTO audit_events (id, chain_id, occurred_at, request_id, partner_id, environment, actor_type,
   actor_id, action, method, path, status, error_code, client_ip, user_agent, latency_ms, detail)
SELECT * FROM unnest(ARRAY[:event_id]::text[], ARRAY[:chain]::text[], ARRAY[now()]::timestamptz[],
   ARRAY[:request_id]::text[], ARRAY[:partner]::text[], ARRAY[:environment]::text[], ARRAY['key']::text[],
   ARRAY[:prefix]::text[], ARRAY['api.request']::text[], ARRAY['POST']::text[], ARRAY['/v1/bookings']::text[],
   ARRAY[201]::int[], ARRAY[NULL]::text[], ARRAY['127.0.0.1']::text[], ARRAY['pgbench']::text[],
   ARRAY[3.5]::float8[], ARRAY[NULL]::jsonb[]);
COMMIT;
