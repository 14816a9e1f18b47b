// Per-call behaviour: re-signing after a same-second replay rejection, list() as page and iterator,
// per-call timeout / maxAttempts / AbortSignal, the request id on results, and the User-Agent.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, beforeEach, describe, it } from 'node:test';
import { SDK_VERSION, Tessera, TesseraConnectionError, TesseraError } from '../src/index.ts';
import { type RecordedRequest, verifySignature } from './support/fake-tessera.ts';
import { API_KEY, booking, type Harness, QUOTE, SECRET, startHarness } from './support/fixtures.ts';

const QUOTE_PARAMS = {
  origin: 'LHR',
  destination: 'JFK',
  departure_date: '2026-03-01',
  passengers: { adults: 1, children: 0 },
};

function apiError(status: number, code: string) {
  return { status, body: { code, message: `server says ${code}`, request_id: `req_${code}` } };
}

/** The server's replay rule: a signature already accepted under one Idempotency-Key is refused under another. */
function cancellingServer() {
  const accepted = new Map<string, string>();
  let cancelled = false;
  return (request: RecordedRequest) => {
    const signature = String(request.headers['x-signature']);
    const key = String(request.headers['idempotency-key']);
    const earlier = accepted.get(signature);
    if (earlier !== undefined && earlier !== key) return apiError(401, 'auth.signature.replayed');
    accepted.set(signature, key);
    if (cancelled) return apiError(409, 'booking.already_cancelled');
    cancelled = true;
    return { status: 200, body: booking('bkg_1', 'cancelled') };
  };
}

describe('per-call behaviour', () => {
  let h: Harness;
  beforeEach(async () => {
    await h?.server.close();
    h = await startHarness();
  });
  after(() => h.server.close());

  it('cancelling twice in the same second gives booking.already_cancelled, not a replay error', async () => {
    h.server.handler = cancellingServer();
    await h.client.bookings.cancel('bkg_1');
    await assert.rejects(h.client.bookings.cancel('bkg_1'), { code: 'booking.already_cancelled' });
    const [first, replayed, resigned] = h.server.requests;
    assert.ok(first && replayed && resigned);
    assert.equal(h.server.requests.length, 3);
    assert.equal(replayed.headers['x-timestamp'], first.headers['x-timestamp'], 'the clock did not move');
    assert.equal(Number(resigned.headers['x-timestamp']), Number(first.headers['x-timestamp']) + 1);
    assert.equal(resigned.headers['idempotency-key'], replayed.headers['idempotency-key']);
    assert.ok(verifySignature(SECRET, resigned));
  });

  it('re-signs only once: a second replay rejection is thrown', async () => {
    h.server.script(apiError(401, 'auth.signature.replayed'));
    await assert.rejects(h.client.quotes.create(QUOTE_PARAMS), { code: 'auth.signature.replayed' });
    assert.equal(h.server.requests.length, 2);
    assert.deepEqual(h.clock.sleeps, []);
  });

  it('list() is one page when awaited and every booking when iterated', async () => {
    h.server.handler = (request) =>
      request.target.includes('starting_after=bkg_2')
        ? { status: 200, body: { data: [booking('bkg_3')], has_more: false } }
        : { status: 200, body: { data: [booking('bkg_1'), booking('bkg_2')], has_more: true } };
    const page = await h.client.bookings.list({ limit: 2 });
    assert.deepEqual(
      page.data.map((b) => b.id),
      ['bkg_1', 'bkg_2'],
    );
    assert.equal(page.has_more, true);
    const ids: string[] = [];
    for await (const b of h.client.bookings.list({ limit: 2 })) ids.push(b.id);
    assert.deepEqual(ids, ['bkg_1', 'bkg_2', 'bkg_3']);
    assert.deepEqual(
      h.server.requests.map((r) => r.target),
      ['/v1/bookings?limit=2', '/v1/bookings?limit=2', '/v1/bookings?limit=2&starting_after=bkg_2'],
    );
  });

  it('maxAttempts per call overrides the client default', async () => {
    h.server.script(apiError(503, 'service.unavailable'));
    await assert.rejects(h.client.quotes.retrieve('quo_1', { maxAttempts: 2 }), TesseraError);
    assert.equal(h.server.requests.length, 2);
    await assert.rejects(h.client.quotes.retrieve('quo_1', { maxAttempts: 0 }), RangeError);
  });

  it('timeout per call bounds a request the server never answers', async () => {
    h.server.script('hang');
    await assert.rejects(h.client.quotes.retrieve('quo_1', { timeout: 50 }), (error: unknown) => {
      assert.ok(error instanceof TesseraConnectionError);
      assert.equal(error.kind, 'timeout');
      return true;
    });
  });

  it('an AbortSignal stops the request in flight, and an aborted signal sends nothing', async () => {
    const controller = new AbortController();
    h.server.handler = () => {
      controller.abort();
      return 'hang';
    };
    await assert.rejects(h.client.bookings.cancel('bkg_1', { signal: controller.signal }), {
      name: 'AbortError',
    });
    assert.equal(h.server.requests.length, 1);
    await assert.rejects(h.client.me({ signal: controller.signal }), { name: 'AbortError' });
    assert.equal(h.server.requests.length, 1);
  });

  it('an AbortSignal cuts the wait before a retry short', async () => {
    const controller = new AbortController();
    // A wait that would never end by itself: only the signal can end the call.
    const neverEnding = () => {
      controller.abort();
      return new Promise<void>(() => {});
    };
    const client = new Tessera({ apiKey: API_KEY, baseUrl: h.server.url, sleep: neverEnding });
    h.server.script(apiError(503, 'service.unavailable'));
    await assert.rejects(client.quotes.retrieve('quo_1', { signal: controller.signal }), {
      name: 'AbortError',
    });
    assert.equal(h.server.requests.length, 1);
  });

  it('a successful result carries its request id without changing its JSON', async () => {
    h.server.script({ status: 201, body: QUOTE });
    const quote = await h.client.quotes.create(QUOTE_PARAMS);
    assert.equal(quote.lastResponse.requestId, 'req_1');
    assert.equal(quote.lastResponse.status, 201);
    assert.equal(quote.lastResponse.idempotencyKey, h.server.idempotencyKeys()[0]);
    assert.equal(JSON.stringify(quote), JSON.stringify(QUOTE));
    assert.deepEqual({ ...quote }, QUOTE);
  });

  it('sends a User-Agent naming the SDK and Node versions', async () => {
    h.server.script({ status: 200, body: QUOTE });
    await h.client.quotes.retrieve('quo_1');
    const agent = h.server.requests[0]?.headers['user-agent'];
    assert.equal(agent, `tessera-sdk/${SDK_VERSION} node/${process.versions.node}`);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    assert.equal(SDK_VERSION, pkg.version);
  });
});
