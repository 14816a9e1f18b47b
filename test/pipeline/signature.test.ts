import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { tripBody, uniqueTrip } from '../domain/trips.ts';
import { PartnerClient, secretOf, signRequest } from '../support/client.ts';
import { TestClock } from '../support/clock.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const clock = new TestClock();
const nowSeconds = () => Math.floor(clock.now() / 1000);

for (const target of databaseTargets()) {
  describe(`signed writes (${target})`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(target, { now: clock.now });
    });
    after(() => h?.close());

    const quote = () => tripBody(uniqueTrip());

    test('a write signed like the seed sample is accepted', async () => {
      const reply = await h.a.test.post('/v1/quotes', quote());
      assert.equal(reply.status, 201, reply.text);
    });

    test('no X-Timestamp is 401 auth.timestamp.missing', async () => {
      const reply = await h.a.test.post('/v1/quotes', quote(), { timestamp: null });
      assert.equal(reply.status, 401);
      assert.equal(reply.body.code, 'auth.timestamp.missing');
    });

    for (const timestamp of ['12.5', 'abc', '2030-01-01T00:00:00Z', '-5', '1e9', '1700000000.0']) {
      test(`X-Timestamp "${timestamp}" is 401 auth.timestamp.malformed`, async () => {
        const reply = await h.a.test.post('/v1/quotes', quote(), { timestamp });
        assert.equal(reply.status, 401);
        assert.equal(reply.body.code, 'auth.timestamp.malformed');
      });
    }

    test('more than 300 s in the past or in the future is 401 auth.timestamp.skew', async () => {
      for (const timestamp of [nowSeconds() - 301, nowSeconds() + 302, 0]) {
        const reply = await h.a.test.post('/v1/quotes', quote(), { timestamp });
        assert.equal(reply.status, 401, String(timestamp));
        assert.equal(reply.body.code, 'auth.timestamp.skew');
      }
    });

    test('within 300 s either way is accepted', async () => {
      for (const timestamp of [nowSeconds() - 290, nowSeconds() + 290]) {
        const reply = await h.a.test.post('/v1/quotes', quote(), { timestamp });
        assert.equal(reply.status, 201, `${timestamp}: ${reply.text}`);
      }
    });

    test('no X-Signature is 401 auth.signature.missing', async () => {
      const reply = await h.a.test.post('/v1/quotes', quote(), { signature: null });
      assert.equal(reply.status, 401);
      assert.equal(reply.body.code, 'auth.signature.missing');
    });

    test('a signature by another secret, another method, or not hex is 401 auth.signature.invalid', async () => {
      const body = JSON.stringify(quote());
      const timestamp = nowSeconds();
      const sign = (secret: string, method = 'POST') =>
        signRequest({ secret, method, path: '/v1/quotes', body, timestamp });
      const forged = [
        sign(secretOf(h.b.keys.test.key)),
        sign(secretOf(h.a.keys.live.key)),
        sign(secretOf(h.a.keys.test.key), 'PUT'),
        'zz'.repeat(32),
        sign(secretOf(h.a.keys.test.key)).slice(0, 62),
      ];
      for (const signature of forged) {
        const reply = await h.a.test.post('/v1/quotes', body, { timestamp, signature });
        assert.equal(reply.status, 401, signature);
        assert.equal(reply.body.code, 'auth.signature.invalid');
        assert.ok(!reply.text.includes(signature), 'the signature is never echoed');
      }
    });

    test('the signature covers the timestamp: the same signature with another timestamp fails', async () => {
      const body = JSON.stringify(quote());
      const timestamp = nowSeconds();
      const signature = signRequest({
        secret: secretOf(h.a.keys.test.key),
        method: 'POST',
        path: '/v1/quotes',
        body,
        timestamp,
      });
      const reply = await h.a.test.post('/v1/quotes', body, { timestamp: timestamp - 1, signature });
      assert.equal(reply.body.code, 'auth.signature.invalid');
    });

    test('a body with changed whitespace or key order fails; the exact bytes pass', async () => {
      const trip = quote();
      const compact = JSON.stringify(trip);
      const pretty = JSON.stringify(trip, null, 2);
      const reordered = JSON.stringify(Object.fromEntries(Object.entries(trip).reverse()));
      assert.deepEqual(JSON.parse(reordered), JSON.parse(compact));
      for (const sentBody of [pretty, reordered, `${compact} `]) {
        const reply = await h.a.test.post('/v1/quotes', compact, { sentBody });
        assert.equal(reply.status, 401);
        assert.equal(reply.body.code, 'auth.signature.invalid');
      }
      assert.equal(
        (await h.a.test.post('/v1/quotes', pretty)).status,
        201,
        'the re-serialised body, signed, is fine',
      );
    });

    test('the query string is signed: signing the path without it fails', async () => {
      const body = JSON.stringify(quote());
      const timestamp = nowSeconds();
      const secret = secretOf(h.a.keys.test.key);
      const withoutQuery = signRequest({ secret, method: 'POST', path: '/v1/quotes', body, timestamp });
      const refused = await h.a.test.post('/v1/quotes?source=test', body, {
        timestamp,
        signature: withoutQuery,
      });
      assert.equal(refused.status, 401);
      assert.equal(refused.body.code, 'auth.signature.invalid');

      const otherQuery = signRequest({
        secret,
        method: 'POST',
        path: '/v1/quotes?source=prod',
        body,
        timestamp,
      });
      const swapped = await h.a.test.post('/v1/quotes?source=test', body, {
        timestamp,
        signature: otherQuery,
      });
      assert.equal(swapped.body.code, 'auth.signature.invalid');

      const signedWithQuery = await h.a.test.post('/v1/quotes?source=test', body, { timestamp });
      assert.equal(signedWithQuery.status, 201, signedWithQuery.text);
    });

    test('the same signed request under another Idempotency-Key is 401 auth.signature.replayed', async () => {
      const body = JSON.stringify(quote());
      const timestamp = nowSeconds();
      const idempotencyKey = randomUUID();
      const first = await h.a.test.post('/v1/quotes', body, { timestamp, idempotencyKey });
      assert.equal(first.status, 201);

      const replayed = await h.a.test.post('/v1/quotes', body, { timestamp, idempotencyKey: randomUUID() });
      assert.equal(replayed.status, 401);
      assert.equal(replayed.body.code, 'auth.signature.replayed');

      // The same request with the same key is an ordinary retry: the original answer again.
      const retry = await h.a.test.post('/v1/quotes', body, { timestamp, idempotencyKey });
      assert.equal(retry.status, 201);
      assert.equal(retry.text, first.text);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    });

    test('the captured write replayed with its signature in another hex case is 401 auth.signature.replayed', async () => {
      const body = JSON.stringify(quote());
      const timestamp = nowSeconds();
      const signature = signRequest({
        secret: secretOf(h.a.keys.test.key),
        method: 'POST',
        path: '/v1/quotes',
        body,
        timestamp,
      });
      const first = await h.a.test.post('/v1/quotes', body, { timestamp, signature });
      assert.equal(first.status, 201, first.text);

      const mixed = [...signature].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c)).join('');
      const oneFlipped = signature.replace(/[a-f]/, (c) => c.toUpperCase());
      for (const variant of [signature.toUpperCase(), mixed, oneFlipped]) {
        assert.notEqual(variant, signature);
        const replayed = await h.a.test.post('/v1/quotes', body, { timestamp, signature: variant });
        assert.equal(replayed.status, 401, `${variant}: ${replayed.text}`);
        assert.equal(replayed.body.code, 'auth.signature.replayed');
      }
      // Replayed to a second node on the same database: the replay store is the database's, not the node's.
      const other = await startHarness(target, { database: h.database, now: clock.now });
      try {
        const client = new PartnerClient(other.baseUrl, h.a.keys.test.key);
        for (const variant of [signature, signature.toUpperCase(), mixed]) {
          const replayed = await client.post('/v1/quotes', body, { timestamp, signature: variant });
          assert.equal(replayed.status, 401, `node 2, ${variant}: ${replayed.text}`);
          assert.equal(replayed.body.code, 'auth.signature.replayed');
        }
      } finally {
        await other.close();
      }
    });

    test('a signature is checked before the body is parsed: tampered JSON is invalid, not malformed', async () => {
      const reply = await h.a.test.post('/v1/quotes', JSON.stringify(quote()), { sentBody: '{"origin":' });
      assert.equal(reply.status, 401);
      assert.equal(reply.body.code, 'auth.signature.invalid');
    });

    test('reads are not signed', async () => {
      const reply = await h.a.test.get('/v1/bookings');
      assert.equal(reply.status, 200);
    });
  });
}
