// One key may hold only so many requests open at once (issue 10, item 8): a client trickling signed bodies
// on many connections is refused past the cap with 429 rate_limit.exceeded, other keys are unaffected, and
// the slots come back as soon as those connections end.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type ClientRequest, request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { tripBody } from '../domain/trips.ts';
import { secretOf, signRequest } from '../support/client.ts';
import { TestClock } from '../support/clock.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const CAP = 2;

/** A signed POST whose headers are sent and whose body never completes: it holds its slot until destroyed. */
function heldOpenPost(h: Harness, now: number): ClientRequest {
  const body = JSON.stringify(tripBody());
  const timestamp = Math.floor(now / 1000);
  const signature = signRequest({
    secret: secretOf(h.a.keys.test.key),
    method: 'POST',
    path: '/v1/quotes',
    body,
    timestamp,
  });
  const req = httpRequest(`${h.baseUrl}/v1/quotes`, {
    method: 'POST',
    agent: false,
    headers: {
      authorization: `Bearer ${h.a.keys.test.key}`,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'idempotency-key': randomUUID(),
      'x-timestamp': String(timestamp),
      'x-signature': signature,
    },
  });
  req.on('error', () => {});
  req.write(body.slice(0, 5));
  return req;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/**
 * Holds `count` slots with held-open POSTs. A POST that arrives while a probe is in flight may itself be
 * refused (the probe held a slot then): it is replaced, so that in the end the held POSTs hold every slot.
 */
function holdSlots(h: Harness, clock: TestClock, count: number) {
  const held = new Set<ClientRequest>();
  const hold = () => {
    const req = heldOpenPost(h, clock.now());
    req.once('response', (response) => {
      response.resume();
      held.delete(req);
      req.destroy();
      hold();
    });
    held.add(req);
  };
  for (let i = 0; i < count; i++) hold();
  return {
    release: () => {
      for (const req of held) {
        req.removeAllListeners('response');
        req.destroy();
      }
    },
  };
}

for (const target of databaseTargets()) {
  describe(`per-key cap on requests in flight (${target})`, () => {
    let h: Harness;
    const clock = new TestClock();
    before(async () => {
      h = await startHarness(target, {
        now: clock.now,
        env: { TESSERA_MAX_CONCURRENT_PER_KEY: String(CAP), TESSERA_BODY_TIMEOUT_MS: '120000' },
      });
    });
    after(() => h?.close());

    test('past the cap the key gets 429 rate_limit.exceeded; another key is served; slots come back', async () => {
      await h.a.test.get('/v1/me'); // verify the key once, so the held requests are not waiting on Argon2id
      const held = holdSlots(h, clock, CAP);
      try {
        await until(async () => (await h.a.test.get('/v1/me')).status === 429, 'the cap to be reached');
        const refused = await h.a.test.get('/v1/me');
        assert.equal(refused.status, 429, refused.text);
        assert.equal(refused.body.code, 'rate_limit.exceeded');
        assert.equal(refused.headers.get('retry-after'), '1');

        const other = await h.b.test.get('/v1/me');
        assert.equal(other.status, 200, 'another partner is not affected');
      } finally {
        held.release();
      }
      await until(async () => (await h.a.test.get('/v1/me')).status === 200, 'the slots to be released');
    });
  });
}
