// What goes on the wire: signed writes the fake server verifies on its own, unsigned reads, resource paths.
import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { Tessera } from '../src/index.ts';
import { FakeTessera, verifySignature } from './support/fake-tessera.ts';
import { API_KEY, booking, type Harness, QUOTE, SECRET, startHarness } from './support/fixtures.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requests on the wire', () => {
  let h: Harness;
  beforeEach(async () => {
    await h?.server.close();
    h = await startHarness();
  });
  after(() => h.server.close());

  it('signs quotes.create over the exact body sent, with a fresh UUID v4 Idempotency-Key', async () => {
    h.server.script({ status: 201, body: QUOTE });
    const params = {
      origin: 'LHR',
      destination: 'JFK',
      departure_date: '2026-03-01',
      passengers: { adults: 1, children: 0 },
    };
    const quote = await h.client.quotes.create(params);

    assert.deepEqual(quote, QUOTE);
    const [request] = h.server.requests;
    assert.ok(request);
    assert.equal(request.method, 'POST');
    assert.equal(request.target, '/v1/quotes');
    assert.equal(request.body, JSON.stringify(params));
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers.authorization, `Bearer ${API_KEY}`);
    assert.match(String(request.headers['idempotency-key']), UUID_V4);
    assert.equal(request.headers['x-timestamp'], String(Math.floor(h.clock.ms / 1000)));
    assert.equal(verifySignature(SECRET, request), true);
  });

  it('uses a caller-supplied Idempotency-Key', async () => {
    h.server.script({ status: 201, body: booking('bkg_1') });
    const key = '7d9f3c1e-2a4b-4c6d-8e0f-123456789abc';
    await h.client.bookings.create(
      { quote_id: 'quo_1', travellers: booking('x').travellers, contact: { email: 'ada@example.com' } },
      { idempotencyKey: key },
    );
    assert.deepEqual(h.server.idempotencyKeys(), [key]);
  });

  it('gives separate logical operations separate keys', async () => {
    h.server.script({ status: 201, body: QUOTE });
    const params = {
      origin: 'A',
      destination: 'B',
      departure_date: '2026-03-01',
      passengers: { adults: 1, children: 0 },
    };
    await h.client.quotes.create(params);
    await h.client.quotes.create(params);
    const [first, second] = h.server.idempotencyKeys();
    assert.ok(first && second);
    assert.notEqual(first, second);
  });

  it('sends and signs {} for cancel, on the booking path', async () => {
    h.server.script({ status: 200, body: booking('bkg_x', 'cancelled') });
    const cancelled = await h.client.bookings.cancel('bkg_x');
    assert.equal(cancelled.status, 'cancelled');
    const [request] = h.server.requests;
    assert.equal(request?.target, '/v1/bookings/bkg_x/cancel');
    assert.equal(request?.body, '{}');
    assert.ok(request && verifySignature(SECRET, request));
  });

  it('sends reads without body, timestamp, signature or Idempotency-Key', async () => {
    h.server.script({ status: 200, body: QUOTE });
    await h.client.quotes.retrieve('quo_1');
    const [request] = h.server.requests;
    assert.equal(request?.method, 'GET');
    assert.equal(request?.target, '/v1/quotes/quo_1');
    assert.equal(request?.body, '');
    for (const name of ['x-timestamp', 'x-signature', 'idempotency-key', 'content-type']) {
      assert.equal(request?.headers[name], undefined, name);
    }
  });

  it('encodes ids so they cannot change the route', async () => {
    h.server.script({ status: 200, body: QUOTE });
    await h.client.bookings.retrieve('../quotes/quo_1?x=1');
    assert.equal(h.server.requests[0]?.target, '/v1/bookings/..%2Fquotes%2Fquo_1%3Fx%3D1');
  });

  it('walks every page of bookings with starting_after = the last id', async () => {
    const pages = new Map([
      ['/v1/bookings?limit=2', { data: [booking('bkg_5'), booking('bkg_4')], has_more: true }],
      [
        '/v1/bookings?limit=2&starting_after=bkg_4',
        { data: [booking('bkg_3'), booking('bkg_2')], has_more: true },
      ],
      ['/v1/bookings?limit=2&starting_after=bkg_2', { data: [booking('bkg_1')], has_more: false }],
    ]);
    h.server.handler = (request) => {
      const page = pages.get(request.target);
      return page ? { status: 200, body: page } : { status: 404, body: { code: 'resource.not_found' } };
    };
    const ids: string[] = [];
    for await (const b of h.client.bookings.iterate({ limit: 2 })) ids.push(b.id);
    assert.deepEqual(ids, ['bkg_5', 'bkg_4', 'bkg_3', 'bkg_2', 'bkg_1']);
    assert.equal(h.server.requests.length, 3);

    const all = await h.client.bookings.listAll({ limit: 2 });
    assert.deepEqual(
      all.map((b) => b.id),
      ids,
    );
    const page = await h.client.bookings.list({ limit: 2 });
    assert.equal(page.has_more, true);
  });

  it('fetches me, the audit export as text and its manifest', async () => {
    h.server.handler = (request) => {
      if (request.target === '/v1/me') {
        return { status: 200, body: { partner: { id: 'ptn_1', name: 'Acme' }, key: { prefix: 'ABCDWXYZ' } } };
      }
      if (request.target.startsWith('/v1/audit-events/manifest?')) return { status: 200, body: { count: 2 } };
      return {
        status: 200,
        body: '{"id":"evt_1"}\n{"id":"evt_2"}\n',
        headers: { 'Content-Type': 'text/plain' },
      };
    };
    assert.equal((await h.client.me()).partner.name, 'Acme');
    const from = new Date('2026-01-01T00:00:00.000Z');
    const text = await h.client.auditEvents.export({ from, to: '2026-01-02T00:00:00.000Z', format: 'jsonl' });
    assert.equal(text, '{"id":"evt_1"}\n{"id":"evt_2"}\n');
    assert.equal(
      h.server.requests[1]?.target,
      '/v1/audit-events?from=2026-01-01T00%3A00%3A00.000Z&to=2026-01-02T00%3A00%3A00.000Z&format=jsonl',
    );
    const manifest = await h.client.auditEvents.manifest({ from, to: from, format: 'csv' });
    assert.deepEqual(manifest, { count: 2 });
    assert.match(h.server.requests[2]?.target ?? '', /format=csv$/);
  });

  it('exposes the request id and Idempotent-Replayed through client.request', async () => {
    h.server.script({ status: 201, body: QUOTE, headers: { 'Idempotent-Replayed': 'true' } });
    const response = await h.client.request({ method: 'POST', path: '/v1/quotes', body: { a: 1 } });
    assert.equal(response.idempotentReplayed, true);
    assert.equal(response.requestId, 'req_1');
    assert.equal(response.status, 201);
  });
});

describe('a base URL with a path prefix', () => {
  it('sends and signs the full request target', async () => {
    const server = await FakeTessera.start({ apiKey: API_KEY, secret: SECRET });
    try {
      server.script({ status: 201, body: QUOTE });
      const client = new Tessera({ apiKey: API_KEY, baseUrl: `${server.url}/gateway/` });
      await client.request({ method: 'POST', path: '/v1/quotes', query: { dry_run: true }, body: {} });
      const [request] = server.requests;
      assert.equal(request?.target, '/gateway/v1/quotes?dry_run=true');
      assert.ok(request && verifySignature(SECRET, request));
    } finally {
      await server.close();
    }
  });
});
