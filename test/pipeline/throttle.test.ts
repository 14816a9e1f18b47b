import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ARGON2_COST } from '../../src/keys/argon2.ts';
import { PartnerClient } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';

/** A guess: the key with the last two characters of its secret replaced by the guess number. */
function withWrongSecret(key: string, guess: number): string {
  const parts = key.split('_');
  const secret = parts[3] ?? '';
  parts[3] = `${secret.slice(0, -2)}${String(guess % 100).padStart(2, '0')}`;
  return parts.join('_');
}

for (const target of databaseTargets()) {
  describe(`failed authentications are throttled without slowing valid keys (${target})`, () => {
    let h: Harness;
    before(async () => {
      // A zero cache TTL: every request re-reads its key, the path a flood must not be able to block.
      // Keys hashed at the production cost: a burst shares one verification while it runs, and a 1 ms
      // test hash would finish before the burst has arrived.
      h = await startHarness(target, {
        env: { TESSERA_AUTH_FAILURE_LIMIT: '5', TESSERA_KEY_CACHE_TTL_MS: '0' },
        argon2Cost: ARGON2_COST,
      });
    });
    after(() => h?.close());

    // First: the floods below throttle this client's IP for new keys, by design.
    test('a burst of first requests with one new key costs one Argon2id verification', async () => {
      const key = await h.createKey(h.a.id, 'live');
      const client = new PartnerClient(h.baseUrl, key.key);
      const before = h.tessera.argon2.verifications;
      const replies = await Promise.all(Array.from({ length: 24 }, () => client.get('/v1/me')));
      assert.deepEqual(new Set(replies.map((r) => r.status)), new Set([200]));
      assert.equal(h.tessera.argon2.verifications - before, 1);
    });

    test('a flood of bad secrets for one prefix is cut off with 429 auth.throttled and Retry-After', async () => {
      const valid = h.b.test;
      assert.equal((await valid.get('/v1/me')).status, 200, 'the valid key is verified once first');
      const guess = (n: number) =>
        new PartnerClient(h.baseUrl, withWrongSecret(h.b.keys.test.key, n)).get('/v1/me');
      const codes: string[] = [];
      for (let i = 0; i < 8; i++) codes.push(String((await guess(i)).body.code));
      assert.deepEqual(codes.slice(0, 5), Array(5).fill('auth.api_key.invalid'));
      const throttled = await guess(8);
      assert.equal(throttled.status, 429);
      assert.equal(throttled.body.code, 'auth.throttled');
      assert.ok(Number(throttled.headers.get('retry-after')) > 0);

      const argon2Before = h.tessera.argon2.verifications;
      for (let i = 0; i < 10; i++) assert.equal((await valid.get('/v1/me')).status, 200);
      assert.equal(h.tessera.argon2.verifications, argon2Before, 'valid requests were served from the cache');
    });

    test('unknown prefixes from one IP are throttled too, and cost one Argon2id run each until then', async () => {
      const fresh = await startHarness(target, {
        database: h.database,
        env: { TESSERA_AUTH_FAILURE_LIMIT: '5', TESSERA_KEY_CACHE_TTL_MS: '0' },
        argon2Cost: ARGON2_COST,
      });
      after(() => fresh.close());
      const argon2Before = fresh.tessera.argon2.verifications;
      let last = '';
      for (let i = 0; i < 12; i++) {
        const prefix = `ZZ${String(i).padStart(6, '2')}`.replace(/[01]/g, '2');
        const client = new PartnerClient(
          fresh.baseUrl,
          `sk_live_${prefix}_${'a'.repeat(46)}${String(i).padStart(2, '0')}`,
        );
        last = String((await client.get('/v1/me')).body.code);
      }
      assert.equal(last, 'auth.throttled');
      // As many as a wrong secret costs (so timing does not tell them apart), and no more than the limit.
      assert.equal(fresh.tessera.argon2.verifications - argon2Before, 5);
    });
  });
}
