// A client whose clock is an hour slow: the server rejects its writes as skewed and sends its own time
// in the Date header; the SDK learns the offset, retries once, and keeps the offset for later calls.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TesseraError } from '../src/index.ts';
import { QUOTE, startHarness } from './support/fixtures.ts';

const HOUR_MS = 3_600_000;
const PARAMS = {
  origin: 'LHR',
  destination: 'JFK',
  departure_date: '2026-03-01',
  passengers: { adults: 1, children: 0 },
};

describe('clock skew correction', () => {
  it('retries a skewed write once with the server clock and keeps the offset', async () => {
    const h = await startHarness({ clockMs: Date.now() - HOUR_MS });
    try {
      h.server.script({ status: 201, body: QUOTE });
      assert.equal(h.client.clockOffsetMs, 0);

      await h.client.quotes.create(PARAMS);
      const [rejected, accepted] = h.server.requests;
      assert.equal(h.server.requests.length, 2);
      assert.equal(rejected?.headers['idempotency-key'], accepted?.headers['idempotency-key']);
      const corrected = Number(accepted?.headers['x-timestamp']);
      assert.ok(Math.abs(corrected - Date.now() / 1000) <= 2, `timestamp ${corrected} not corrected`);
      // The Date header has one-second resolution.
      assert.ok(Math.abs(h.client.clockOffsetMs - HOUR_MS) < 2000, String(h.client.clockOffsetMs));
      assert.deepEqual(h.clock.sleeps, []);

      await h.client.bookings.cancel('bkg_1');
      assert.equal(h.server.requests.length, 3, 'the next write is signed with the corrected clock at once');
    } finally {
      await h.server.close();
    }
  });

  it('corrects only once per call when the server keeps reporting skew', async () => {
    const h = await startHarness();
    try {
      const skew = {
        status: 401,
        body: { code: 'auth.timestamp.skew', message: 'skew', request_id: 'req_1' },
        headers: { Date: new Date(Date.now() + HOUR_MS).toUTCString() },
      };
      // A third attempt would succeed, so a client that kept correcting would not see the error.
      h.server.script(skew, skew, { status: 201, body: QUOTE });
      const error = await h.client.quotes.create(PARAMS).catch((e: unknown) => e);
      assert.ok(error instanceof TesseraError);
      assert.equal(error.code, 'auth.timestamp.skew');
      assert.equal(h.server.requests.length, 2);
    } finally {
      await h.server.close();
    }
  });

  it('does not retry a skew rejection that carries no usable Date header', async () => {
    const h = await startHarness();
    try {
      h.server.script({
        status: 401,
        body: { code: 'auth.timestamp.skew', message: 'skew', request_id: 'req_1' },
        headers: { Date: 'not a date' },
      });
      await assert.rejects(h.client.quotes.create(PARAMS), { code: 'auth.timestamp.skew' });
      assert.equal(h.server.requests.length, 1);
      assert.equal(h.client.clockOffsetMs, 0);
    } finally {
      await h.server.close();
    }
  });
});
