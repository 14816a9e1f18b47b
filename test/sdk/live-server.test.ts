import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Tessera, TesseraError } from '../../sdk/src/index.ts';
import { quoteParams, traveller } from '../faults/support.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';

/** A fetch that lets the first `losses` booking attempts reach the server, then drops their responses. */
function losingResponses(losses: number) {
  const keys: string[] = [];
  const lossy = async (input: string | URL | Request, init?: RequestInit) => {
    const response = await fetch(input, init);
    const isBooking = init?.method === 'POST' && String(input).endsWith('/v1/bookings');
    if (isBooking) {
      keys.push(new Headers(init?.headers).get('idempotency-key') ?? '');
      if (keys.length <= losses) {
        await response.arrayBuffer();
        throw new TypeError('fetch failed: connection reset after the server committed');
      }
    }
    return response;
  };
  return { fetch: lossy, keys };
}

for (const target of databaseTargets()) {
  describe(`the SDK against a live Tessera (${target})`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(target);
    });
    after(() => h?.close());

    const client = (extra: Partial<ConstructorParameters<typeof Tessera>[0]> = {}) =>
      new Tessera({ apiKey: h.a.keys.live.key, baseUrl: h.baseUrl, sleep: async () => {}, ...extra });

    test('signed writes are accepted, and reads and pages come back typed', async () => {
      const sdk = client();
      const me = await sdk.me();
      assert.equal(me.partner.id, h.a.id);
      const quote = await sdk.quotes.create(quoteParams(1));
      assert.match(quote.id, /^quo_/);
      const booking = await sdk.bookings.create({
        quote_id: quote.id,
        travellers: [traveller],
        contact: { email: 'ops@bank.example' },
      });
      assert.equal(booking.status, 'confirmed');
      assert.equal((await sdk.bookings.retrieve(booking.id)).id, booking.id);
      const cancelled = await sdk.bookings.cancel(booking.id);
      assert.equal(cancelled.status, 'cancelled');
      const seen = [];
      for await (const b of sdk.bookings.iterate({ limit: 1 })) seen.push(b.id);
      assert.ok(seen.includes(booking.id));
    });

    test('a retry after a lost response reuses the Idempotency-Key: exactly one booking', async () => {
      const lossy = losingResponses(2);
      const sdk = client({ fetch: lossy.fetch as typeof fetch, maxAttempts: 5 });
      const quote = await sdk.quotes.create(quoteParams(2));
      const booking = await sdk.bookings.create({
        quote_id: quote.id,
        travellers: [traveller],
        contact: { email: 'ops@bank.example' },
      });
      assert.equal(lossy.keys.length, 3, 'two lost responses, then the replayed one');
      assert.equal(new Set(lossy.keys).size, 1, 'every attempt carried the same Idempotency-Key');
      const rows = await h.database.db.query<{ id: string }>('SELECT id FROM bookings WHERE quote_id = $1', [
        quote.id,
      ]);
      assert.deepEqual(
        rows.map((r) => r.id),
        [booking.id],
      );
    });

    test("typed errors carry the server's status, code and request id, and never the key", async () => {
      const sdk = client();
      await assert.rejects(sdk.bookings.retrieve('bkg_doesnotexist00000000000'), (error: unknown) => {
        assert.ok(error instanceof TesseraError);
        assert.equal(error.status, 404);
        assert.equal(error.code, 'resource.not_found');
        assert.match(error.requestId ?? '', /^req_/);
        assert.ok(!String(error.stack).includes(h.a.keys.live.key.split('_')[3] ?? 'x'));
        return true;
      });
      const quote = await sdk.quotes.create(quoteParams(3));
      await assert.rejects(
        sdk.bookings.create({
          quote_id: quote.id,
          travellers: [traveller, traveller],
          contact: { email: 'x@y.example' },
        }),
        (error: unknown) =>
          error instanceof TesseraError && error.code === 'request.invalid' && error.details.length > 0,
      );
    });
  });
}
