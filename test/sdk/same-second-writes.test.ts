// Two identical writes in the same second carry the same signature, which the server refuses as a replay
// under a new Idempotency-Key. The SDK re-signs its own new operation once, so the partner sees the
// domain's answer. Server and SDK share one fixed clock, so both cancels are signed in the same second.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Tessera, TesseraError } from '../../sdk/src/index.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const DAY_MS = 86_400_000;

for (const target of databaseTargets()) {
  describe(`same-second writes through the SDK (${target})`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(target, { now: () => NOW });
    });
    after(() => h?.close());

    test('bookings.cancel twice in one second: the second is 409 booking.already_cancelled', async () => {
      const sdk = new Tessera({ apiKey: h.a.keys.test.key, baseUrl: h.baseUrl, now: () => NOW });
      const quote = await sdk.quotes.create({
        origin: 'CMN',
        destination: 'LHR',
        departure_date: new Date(NOW + 30 * DAY_MS).toISOString().slice(0, 10),
        passengers: { adults: 1, children: 0 },
      });
      const booking = await sdk.bookings.create({
        quote_id: quote.id,
        travellers: [{ first_name: 'Amina', last_name: 'Haddad', birth_date: '1988-04-02' }],
        contact: { email: 'ops@bank.example' },
      });
      const cancelled = await sdk.bookings.cancel(booking.id);
      assert.equal(cancelled.status, 'cancelled');
      await assert.rejects(sdk.bookings.cancel(booking.id), (error: unknown) => {
        assert.ok(error instanceof TesseraError);
        assert.equal(error.status, 409);
        assert.equal(error.code, 'booking.already_cancelled');
        return true;
      });
    });
  });
}
