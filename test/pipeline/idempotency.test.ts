import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { bookingBody, createQuote, tripBody, uniqueTrip } from '../domain/trips.ts';
import { TestClock } from '../support/clock.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const clock = new TestClock();
const nowSeconds = () => Math.floor(clock.now() / 1000);

for (const target of databaseTargets()) {
  describe(`idempotent writes (${target})`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(target, { now: clock.now });
    });
    after(() => h?.close());

    const recordsFor = async (key: string) =>
      h.database.db.query('SELECT status FROM idempotency_records WHERE idempotency_key = $1', [key]);

    test('no Idempotency-Key is 400 idempotency.key.required', async () => {
      const reply = await h.a.test.post('/v1/quotes', tripBody(uniqueTrip()), { idempotencyKey: null });
      assert.equal(reply.status, 400);
      assert.equal(reply.body.code, 'idempotency.key.required');
    });

    for (const key of [
      'abc',
      '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
      randomUUID().replaceAll('-', ''),
      `${randomUUID()}x`,
    ]) {
      test(`Idempotency-Key "${key}" (not a UUID v4) is 400 idempotency.key.malformed`, async () => {
        const reply = await h.a.test.post('/v1/quotes', tripBody(uniqueTrip()), { idempotencyKey: key });
        assert.equal(reply.status, 400);
        assert.equal(reply.body.code, 'idempotency.key.malformed');
      });
    }

    test('a retry returns the identical status and body with Idempotent-Replayed: true, even signed later', async () => {
      const idempotencyKey = randomUUID();
      const body = JSON.stringify(tripBody(uniqueTrip()));
      const first = await h.a.test.post('/v1/quotes', body, { idempotencyKey });
      assert.equal(first.status, 201);
      assert.equal(first.headers.get('idempotent-replayed'), null);

      for (const timestamp of [undefined, nowSeconds() - 60]) {
        const retry = await h.a.test.post('/v1/quotes', body, { idempotencyKey, timestamp });
        assert.equal(retry.status, 201);
        assert.equal(retry.text, first.text);
        assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      }
      const quotes = await h.database.db.query('SELECT id FROM quotes WHERE id = $1', [first.body.id]);
      assert.equal(quotes.length, 1);
    });

    test('the same key with a different body or path is 422 idempotency.key.conflict', async () => {
      const idempotencyKey = randomUUID();
      const trip = tripBody(uniqueTrip());
      assert.equal((await h.a.test.post('/v1/quotes', trip, { idempotencyKey })).status, 201);
      const otherBody = await h.a.test.post('/v1/quotes', { ...trip, cabin: 'first' }, { idempotencyKey });
      assert.equal(otherBody.status, 422);
      assert.equal(otherBody.body.code, 'idempotency.key.conflict');
      const otherPath = await h.a.test.post('/v1/quotes?variant=2', trip, { idempotencyKey });
      assert.equal(otherPath.status, 422);
      assert.equal(otherPath.body.code, 'idempotency.key.conflict');
    });

    test('keys are scoped to partner and environment: the same key elsewhere is a new operation', async () => {
      const idempotencyKey = randomUUID();
      const trip = tripBody(uniqueTrip());
      const replies = [
        await h.a.test.post('/v1/quotes', trip, { idempotencyKey }),
        await h.a.live.post('/v1/quotes', trip, { idempotencyKey }),
        await h.b.test.post('/v1/quotes', trip, { idempotencyKey }),
      ];
      for (const reply of replies) {
        assert.equal(reply.status, 201, reply.text);
        assert.equal(reply.headers.get('idempotent-replayed'), null);
      }
      assert.equal(new Set(replies.map((r) => r.body.id)).size, 3);
    });

    test('a catalogued 4xx from the handler is stored and replayed like a success', async () => {
      const quote = await createQuote(h.a.test);
      assert.equal((await h.a.test.post('/v1/bookings', bookingBody(quote.id))).status, 201);
      const idempotencyKey = randomUUID();
      const body = JSON.stringify(bookingBody(quote.id, 3, { reference: 'second-try' }));
      const refused = await h.a.test.post('/v1/bookings', body, { idempotencyKey });
      assert.equal(refused.status, 409);
      assert.equal(refused.body.code, 'quote.already_booked');
      const retry = await h.a.test.post('/v1/bookings', body, {
        idempotencyKey,
        timestamp: nowSeconds() - 1,
      });
      assert.equal(retry.status, 409);
      assert.equal(retry.text, refused.text, 'the original body, request_id included');
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    });

    test('a request refused by schema validation does not use up its key', async () => {
      const idempotencyKey = randomUUID();
      const invalid = await h.a.test.post('/v1/quotes', tripBody({ ...uniqueTrip(), origin: 'cmn' }), {
        idempotencyKey,
      });
      assert.equal(invalid.status, 400);
      assert.equal((await recordsFor(idempotencyKey)).length, 0);
      const fixed = await h.a.test.post('/v1/quotes', tripBody(uniqueTrip()), { idempotencyKey });
      assert.equal(fixed.status, 201, fixed.text);
    });

    test('a 5xx rolls everything back and leaves the key free for the retry', async () => {
      // A real failure inside the write transaction, after the key was claimed: the database itself raises
      // while inserting the booking (as an outage or a bug would), so nothing about the handler is faked.
      await h.database.db.exec(`
        CREATE FUNCTION test_fail_booking() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'simulated failure'; END $$;
        CREATE TRIGGER test_fail_booking BEFORE INSERT ON bookings FOR EACH ROW EXECUTE FUNCTION test_fail_booking();`);
      const quote = await createQuote(h.a.test);
      const idempotencyKey = randomUUID();
      const timestamp = nowSeconds();
      const body = JSON.stringify(bookingBody(quote.id));
      try {
        const failed = await h.a.test.post('/v1/bookings', body, { idempotencyKey, timestamp });
        assert.equal(failed.status, 500);
        assert.equal(failed.body.code, 'internal.error');
        assert.ok(!failed.text.includes('simulated'), 'no internal detail reaches the client');
      } finally {
        await h.database.db.exec(
          'DROP TRIGGER test_fail_booking ON bookings; DROP FUNCTION test_fail_booking();',
        );
      }
      assert.equal((await recordsFor(idempotencyKey)).length, 0, 'no idempotency record');
      const bookings = await h.database.db.query('SELECT id FROM bookings WHERE quote_id = $1', [quote.id]);
      assert.equal(bookings.length, 0, 'no booking');

      // The very same signed request, retried: it runs for real this time.
      const retry = await h.a.test.post('/v1/bookings', body, { idempotencyKey, timestamp });
      assert.equal(retry.status, 201, retry.text);
      assert.equal(retry.headers.get('idempotent-replayed'), null);
      assert.deepEqual(await recordsFor(idempotencyKey), [{ status: 201 }]);
    });

    test('20 concurrent identical bookings under one key create exactly one booking', async () => {
      const quote = await createQuote(h.a.test);
      const idempotencyKey = randomUUID();
      const timestamp = nowSeconds();
      const body = JSON.stringify(bookingBody(quote.id));
      const replies = await Promise.all(
        Array.from({ length: 20 }, () => h.a.test.post('/v1/bookings', body, { idempotencyKey, timestamp })),
      );
      const created = replies.filter((r) => r.status === 201);
      const inProgress = replies.filter((r) => r.status === 409);
      assert.equal(created.length + inProgress.length, 20, replies.map((r) => r.status).join(','));
      assert.ok(created.length >= 1);
      for (const reply of inProgress) assert.equal(reply.body.code, 'idempotency.key.in_progress');
      assert.equal(
        new Set(created.map((r) => r.text)).size,
        1,
        'every 201 is the same booking, byte for byte',
      );
      assert.equal(created.filter((r) => r.headers.get('idempotent-replayed') === null).length, 1);

      const rows = await h.database.db.query('SELECT id FROM bookings WHERE quote_id = $1', [quote.id]);
      assert.deepEqual(rows, [{ id: created[0]?.body.id }]);
      const later = await h.a.test.post('/v1/bookings', body, { idempotencyKey, timestamp });
      assert.equal(later.status, 201);
      assert.equal(later.text, created[0]?.text);
      assert.equal(later.headers.get('idempotent-replayed'), 'true');
    });
  });
}
