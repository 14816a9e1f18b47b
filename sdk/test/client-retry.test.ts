// Retries: what is retried, how long the SDK waits, and that one logical write keeps one Idempotency-Key.
import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { TesseraConnectionError, TesseraError } from '../src/index.ts';
import { verifySignature } from './support/fake-tessera.ts';
import { type Harness, QUOTE, SECRET, startHarness } from './support/fixtures.ts';

const QUOTE_PARAMS = {
  origin: 'LHR',
  destination: 'JFK',
  departure_date: '2026-03-01',
  passengers: { adults: 1, children: 0 },
};

function apiError(status: number, code: string, headers: Record<string, string> = {}) {
  return { status, body: { code, message: `server says ${code}`, request_id: `req_${code}` }, headers };
}

function assertOneKeyForAllAttempts(h: Harness, attempts: number): void {
  const keys = h.server.idempotencyKeys();
  assert.equal(keys.length, attempts);
  assert.ok(keys[0]);
  assert.deepEqual(new Set(keys).size, 1, `keys differ across attempts: ${keys.join(', ')}`);
}

describe('retries', () => {
  let h: Harness;
  beforeEach(async () => {
    await h?.server.close();
    h = await startHarness();
  });
  after(() => h.server.close());

  it('retries a 503 with the same Idempotency-Key and a freshly signed timestamp', async () => {
    h.server.script(apiError(503, 'service.unavailable', { 'Retry-After': '2' }), {
      status: 201,
      body: QUOTE,
    });
    const quote = await h.client.quotes.create(QUOTE_PARAMS);
    assert.equal(quote.id, 'quo_1');
    assertOneKeyForAllAttempts(h, 2);
    const [first, second] = h.server.requests;
    assert.ok(first && second);
    assert.equal(Number(second.headers['x-timestamp']) - Number(first.headers['x-timestamp']), 2);
    assert.notEqual(first.headers['x-signature'], second.headers['x-signature']);
    assert.ok(verifySignature(SECRET, first) && verifySignature(SECRET, second));
    assert.deepEqual(h.clock.sleeps, [2000]);
  });

  it('retries after the connection is reset, reusing the key', async () => {
    h.server.script('reset', 'reset', { status: 201, body: QUOTE });
    await h.client.quotes.create(QUOTE_PARAMS);
    assertOneKeyForAllAttempts(h, 3);
    // Full jitter with random() = 0.5: half of 100 ms, then half of 200 ms.
    assert.deepEqual(h.clock.sleeps, [50, 100]);
  });

  it('honours Retry-After in seconds on 429', async () => {
    h.server.script(apiError(429, 'rate_limit.exceeded', { 'Retry-After': '3' }), {
      status: 201,
      body: QUOTE,
    });
    await h.client.quotes.create(QUOTE_PARAMS);
    assertOneKeyForAllAttempts(h, 2);
    assert.deepEqual(h.clock.sleeps, [3000]);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const at = new Date(Math.floor(h.clock.ms / 1000) * 1000 + 4000).toUTCString();
    h.server.script(apiError(429, 'auth.throttled', { 'Retry-After': at }), { status: 200, body: QUOTE });
    await h.client.quotes.retrieve('quo_1');
    assert.equal(h.server.requests.length, 2);
    assert.equal(h.clock.sleeps.length, 1);
    assert.ok((h.clock.sleeps[0] ?? 0) > 3000 && (h.clock.sleeps[0] ?? 0) <= 4000, String(h.clock.sleeps));
  });

  it('retries 409 idempotency.key.in_progress with the same key', async () => {
    h.server.script(
      apiError(409, 'idempotency.key.in_progress'),
      apiError(409, 'idempotency.key.in_progress'),
      {
        status: 201,
        body: QUOTE,
      },
    );
    await h.client.quotes.create(QUOTE_PARAMS);
    assertOneKeyForAllAttempts(h, 3);
  });

  it('retries 500 internal.error', async () => {
    h.server.script(apiError(500, 'internal.error'), { status: 200, body: QUOTE });
    assert.equal((await h.client.quotes.retrieve('quo_1')).id, 'quo_1');
    assert.equal(h.server.requests.length, 2);
  });

  for (const [status, code] of [
    [400, 'request.invalid'],
    [401, 'auth.signature.invalid'],
    [404, 'resource.not_found'],
    [409, 'quote.already_booked'],
    [409, 'quote.expired'],
    [422, 'idempotency.key.conflict'],
  ] as const) {
    it(`does not retry ${status} ${code}`, async () => {
      h.server.script(apiError(status, code), { status: 201, body: QUOTE });
      const error = await h.client.quotes.create(QUOTE_PARAMS).catch((e: unknown) => e);
      assert.ok(error instanceof TesseraError);
      assert.equal(error.status, status);
      assert.equal(error.code, code);
      assert.equal(h.server.requests.length, 1);
      assert.deepEqual(h.clock.sleeps, []);
    });
  }

  it('reports request.invalid with its details and request id', async () => {
    h.server.script({
      status: 400,
      body: {
        code: 'request.invalid',
        message: 'The request body is invalid.',
        request_id: 'req_abc',
        details: [{ field: 'origin', message: 'must be an IATA code' }],
      },
    });
    const error = await h.client.quotes.create(QUOTE_PARAMS).catch((e: unknown) => e);
    assert.ok(error instanceof TesseraError);
    assert.equal(error.message, 'The request body is invalid.');
    assert.equal(error.requestId, 'req_abc');
    assert.deepEqual(error.details, [{ field: 'origin', message: 'must be an IATA code' }]);
  });

  it('falls back to X-Request-Id and response.unparseable for a non-JSON error page', async () => {
    h.server.script({ status: 404, body: '<html>not here</html>' });
    const error = await h.client.quotes.retrieve('quo_1').catch((e: unknown) => e);
    assert.ok(error instanceof TesseraError);
    assert.equal(error.code, 'response.unparseable');
    assert.equal(error.requestId, 'req_1');
  });

  it('stops after maxAttempts and throws the last error', async () => {
    h.server.script(apiError(503, 'service.unavailable'));
    const error = await h.client.quotes.create(QUOTE_PARAMS).catch((e: unknown) => e);
    assert.ok(error instanceof TesseraError);
    assert.equal(error.code, 'service.unavailable');
    assertOneKeyForAllAttempts(h, 4);
    assert.deepEqual(h.clock.sleeps, [50, 100, 200]);
  });

  it('gives up with a TesseraConnectionError when the network keeps failing', async () => {
    h.server.script('reset');
    const error = await h.client.quotes.create(QUOTE_PARAMS).catch((e: unknown) => e);
    assert.ok(error instanceof TesseraConnectionError);
    assert.equal(error.kind, 'network');
    assert.equal(error.attempts, 4);
    assertOneKeyForAllAttempts(h, 4);
  });
});

describe('retries within the overall timeout', () => {
  it('does not wait for a Retry-After that ends past the deadline', async () => {
    const h = await startHarness({ timeoutMs: 1000 });
    try {
      h.server.script(apiError(503, 'service.unavailable', { 'Retry-After': '5' }), {
        status: 200,
        body: QUOTE,
      });
      const error = await h.client.quotes.retrieve('quo_1').catch((e: unknown) => e);
      assert.ok(error instanceof TesseraError);
      assert.equal(error.retryAfterMs, 5000);
      assert.equal(h.server.requests.length, 1);
      assert.deepEqual(h.clock.sleeps, []);
    } finally {
      await h.server.close();
    }
  });

  it('aborts an attempt the server never answers with a timeout error', async () => {
    // Real clock here: the attempt's abort timer runs on real time.
    const h = await startHarness({ timeoutMs: 150, now: Date.now });
    try {
      h.server.script('hang');
      const started = Date.now();
      const error = await h.client.quotes.retrieve('quo_1').catch((e: unknown) => e);
      assert.ok(error instanceof TesseraConnectionError);
      assert.equal(error.kind, 'timeout');
      assert.equal(h.server.requests.length, 1);
      assert.ok(Date.now() - started < 2000);
    } finally {
      await h.server.close();
    }
  });

  it('respects maxAttempts: 1 as no retries at all', async () => {
    const h = await startHarness({ maxAttempts: 1 });
    try {
      h.server.script(apiError(503, 'service.unavailable'), { status: 200, body: QUOTE });
      await assert.rejects(h.client.quotes.retrieve('quo_1'), TesseraError);
      assert.equal(h.server.requests.length, 1);
    } finally {
      await h.server.close();
    }
  });
});
