import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type Reply, send } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';

// Key prefixes are not secret (the console and exports show them): failures sent by others must never
// lock a partner out of its own valid key. The node trusts loopback as its proxy, so X-Forwarded-For sets
// the client address of each request, as a real proxy would.

const randomSecret = () =>
  randomBytes(48)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .padEnd(48, 'x')
    .slice(0, 48);
const wrongSecretFor = (prefix: string, environment = 'live') =>
  `sk_${environment}_${prefix}_${randomSecret()}`;

async function until(check: () => Promise<boolean>, what: string, deadlineMs = 5_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail(`${what} did not happen within ${deadlineMs} ms`);
}

for (const target of databaseTargets()) {
  describe(`a valid key cannot be locked out by others' failures (${target})`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(target, {
        env: { TESSERA_TRUSTED_PROXIES: '127.0.0.1/32', TESSERA_AUTH_FAILURE_LIMIT: '10' },
      });
    });
    after(() => h?.close());

    const me = (key: string, from: string): Promise<Reply> =>
      send(h.baseUrl, '/v1/me', { headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': from } });

    test('ten wrong secrets from ten addresses, then the correct key from an eleventh on a cold node: 200', async () => {
      const victim = await h.createKey(h.a.id, 'live');
      assert.equal(h.tessera.keyCache.get(victim.prefix), undefined, 'this node has not verified the key');
      for (let i = 1; i <= 10; i++) {
        const reply = await me(wrongSecretFor(victim.prefix), `198.51.100.${i}`);
        assert.equal(reply.body.code, 'auth.api_key.invalid');
      }
      const owner = await me(victim.key, '198.51.100.11');
      assert.equal(owner.status, 200, owner.text);
    });

    test('a brute force from one address is still cut off after ten guesses', async () => {
      const victim = await h.createKey(h.a.id, 'live');
      for (let i = 0; i < 10; i++) {
        assert.equal(
          (await me(wrongSecretFor(victim.prefix), '192.0.2.77')).body.code,
          'auth.api_key.invalid',
        );
      }
      const eleventh = await me(wrongSecretFor(victim.prefix), '192.0.2.77');
      assert.equal(eleventh.status, 429);
      assert.equal(eleventh.body.code, 'auth.throttled');
      assert.ok(Number(eleventh.headers.get('retry-after')) > 0);
      assert.equal(
        (await me(wrongSecretFor(victim.prefix), '::ffff:192.0.2.77')).body.code,
        'auth.throttled',
        'an IPv4-mapped IPv6 peer is the IPv4 client it is',
      );
      assert.equal((await me(victim.key, '192.0.2.78')).status, 200, 'the owner elsewhere is unaffected');
    });

    test('an IPv6 client is counted per /64: rotating addresses inside it does not reset the count', async () => {
      const victim = await h.createKey(h.b.id, 'live');
      for (let i = 1; i <= 10; i++)
        await me(wrongSecretFor(victim.prefix), `2001:db8:7:7::${i.toString(16)}`);
      const rotated = await me(wrongSecretFor(victim.prefix), '2001:db8:7:7:ffff:1:2:3');
      assert.equal(rotated.body.code, 'auth.throttled');
      assert.equal((await me(victim.key, '2001:db8:7:8::1')).status, 200, 'the next /64 is another client');
    });

    test('a change to another partner does not evict this partner’s cached key', async () => {
      const victim = await h.createKey(h.a.id, 'test');
      const other = await h.createKey(h.b.id, 'test');
      assert.equal((await me(victim.key, '203.0.113.1')).status, 200);
      assert.equal((await me(other.key, '203.0.113.1')).status, 200);
      assert.ok(h.tessera.keyCache.get(victim.prefix) && h.tessera.keyCache.get(other.prefix));

      const changed = await h.admin('PATCH', `/admin/v1/partners/${h.b.id}`, { rate_limit_per_minute: 1234 });
      assert.equal(changed.status, 200, changed.text);
      await until(
        async () => h.tessera.keyCache.get(other.prefix) === undefined,
        'the changed partner’s key to leave the cache',
      );
      assert.ok(h.tessera.keyCache.get(victim.prefix), 'the unrelated partner’s key is still cached');
      const argon2Before = h.tessera.argon2.verifications;
      assert.equal((await me(victim.key, '203.0.113.1')).status, 200);
      assert.equal(h.tessera.argon2.verifications, argon2Before, 'served from the cache, no Argon2id');
    });

    test('the correct secret under the wrong environment marker, then the correct key on a cold node: 200', async () => {
      // Regression: the remembered refusal was keyed by (prefix, secret) alone, so one
      // `sk_test_<prefix>_<right secret>` refused as wrong_environment got the real key refused for a minute.
      const key = await h.createKey(h.a.id, 'live');
      assert.equal(h.tessera.keyCache.get(key.prefix), undefined, 'this node has not verified the key');
      const wrongEnvironment = key.key.replace('sk_live_', 'sk_test_');
      const client = '192.0.2.210';
      for (let i = 0; i < 3; i++) {
        const refused = await me(wrongEnvironment, client);
        assert.equal(refused.status, 401, refused.text);
        assert.equal(refused.body.code, 'auth.api_key.invalid');
      }
      const owner = await me(key.key, client);
      assert.equal(owner.status, 200, owner.text);
      const again = await me(wrongEnvironment, client);
      assert.equal(
        again.body.code,
        'auth.api_key.invalid',
        'the wrong marker is still refused once verified',
      );
    });

    test('after key regenerate, old-key retries from the client’s address do not make the new key 429', async () => {
      const key = await h.createKey(h.a.id, 'live');
      const client = '192.0.2.200';
      assert.equal((await me(key.key, client)).status, 200);
      const regenerated = await h.admin('POST', `/admin/v1/keys/${key.id}/regenerate`);
      assert.equal(regenerated.status, 200, regenerated.text);
      await until(async () => (await me(key.key, client)).status === 401, 'the old secret to be refused');

      const retries: string[] = [];
      for (let i = 0; i < 15; i++) retries.push(String((await me(key.key, client)).body.code));
      assert.deepEqual(
        retries,
        Array(15).fill('auth.api_key.invalid'),
        'the old key is refused, not throttled',
      );
      const fresh = await me(String(regenerated.body.key), client);
      assert.equal(fresh.status, 200, fresh.text);
    });
  });
}
