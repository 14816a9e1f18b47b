import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PartnerClient, send } from '../support/client.ts';
import { TestClock } from '../support/clock.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';

for (const target of databaseTargets()) {
  describe(`authentication of /v1/* (${target})`, () => {
    let h: Harness;
    const clock = new TestClock();
    before(async () => {
      h = await startHarness(target, { now: clock.now });
    });
    after(() => h?.close());

    test('a valid key sees its own partner and key, and nothing more', async () => {
      const reply = await h.a.live.get('/v1/me');
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, {
        partner: { id: h.a.id, name: h.a.name },
        key: {
          prefix: h.a.keys.live.prefix,
          environment: 'live',
          scopes: ['quotes:read', 'quotes:write', 'bookings:read', 'bookings:write', 'audit:read'],
        },
      });
      assert.match(reply.headers.get('x-request-id') ?? '', /^req_/);
    });

    test('no Authorization header is auth.api_key.missing', async () => {
      const reply = await send(h.baseUrl, '/v1/me');
      assert.equal(reply.status, 401);
      assert.equal(reply.body.code, 'auth.api_key.missing');
      assert.equal(reply.body.request_id, reply.headers.get('x-request-id'));
      assert.equal(typeof reply.body.message, 'string');
    });

    for (const header of [
      'Basic abc',
      'Bearer',
      `Bearer ${'x'.repeat(20)}`,
      'Bearer sk_prod_ABCDWXYZ_aN5vKjL9mQrT8Hp7Yx2Wc1Bs6Vd3Fz4EgaN5vKjL9mQrT8Hp7Yx2W',
      'Bearer sk_live_ABCDWXY_aN5vKjL9mQrT8Hp7Yx2Wc1Bs6Vd3Fz4EgaN5vKjL9mQrT8Hp7Yx2Wc',
      'Bearer sk_live_ABCDWXYZ_short',
      'Bearer sk_live_ABCDWXYZ_aN5vKjL9mQrT8Hp7Yx2Wc1Bs6Vd3Fz4EgaN5vKjL9mQrT8Hp7Yx2W!',
    ]) {
      test(`a header that is not Bearer sk_(live|test)_<8>_<48> is malformed: ${header.slice(0, 24)}`, async () => {
        const reply = await send(h.baseUrl, '/v1/me', { headers: { authorization: header } });
        assert.equal(reply.status, 401);
        assert.equal(reply.body.code, 'auth.api_key.malformed');
      });
    }

    test('an unknown prefix, a wrong secret and the wrong environment marker are all auth.api_key.invalid', async () => {
      const live = h.a.keys.live.key;
      const secret = live.split('_')[3] ?? '';
      const wrongSecret = `${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`;
      const variants = [
        `sk_live_ZZZZ2222_${secret}`,
        `sk_live_${h.a.keys.live.prefix}_${wrongSecret}`,
        live.replace('sk_live_', 'sk_test_'),
      ];
      for (const key of variants) {
        const reply = await new PartnerClient(h.baseUrl, key).get('/v1/me');
        assert.equal(reply.status, 401, key.slice(0, 16));
        assert.equal(reply.body.code, 'auth.api_key.invalid');
        assert.ok(!reply.text.includes(secret), 'the secret is never echoed');
      }
    });

    test('revocation takes effect on the very next request', async () => {
      const key = await h.createKey(h.a.id, 'test');
      const client = new PartnerClient(h.baseUrl, key.key);
      assert.equal((await client.get('/v1/me')).status, 200);
      const revoked = await h.admin('POST', `/admin/v1/keys/${key.id}/revoke`);
      assert.equal(revoked.status, 200);
      assert.ok(revoked.body.revoked_at);
      const reply = await client.get('/v1/me');
      assert.equal(reply.status, 401);
      assert.equal(reply.body.code, 'auth.api_key.invalid');
    });

    test('regeneration: the new secret works and the old one stops at once', async () => {
      const key = await h.createKey(h.a.id, 'live');
      const old = new PartnerClient(h.baseUrl, key.key);
      assert.equal((await old.get('/v1/me')).status, 200);
      const regenerated = await h.admin('POST', `/admin/v1/keys/${key.id}/regenerate`);
      assert.equal(regenerated.status, 200);
      const fresh = String(regenerated.body.key);
      assert.match(fresh, /^sk_live_[A-Za-z0-9]{8}_[A-Za-z0-9]{48}$/);
      assert.notEqual(fresh, key.key);
      assert.equal((await old.get('/v1/me')).body.code, 'auth.api_key.invalid');
      assert.equal((await new PartnerClient(h.baseUrl, fresh).get('/v1/me')).status, 200);
    });

    test('an expired key is refused', async () => {
      const key = await h.createKey(h.a.id, 'test', {
        expires_at: new Date(clock.now() + 60_000).toISOString(),
      });
      const client = new PartnerClient(h.baseUrl, key.key);
      assert.equal((await client.get('/v1/me')).status, 200);
      clock.advance(60_000);
      assert.equal((await client.get('/v1/me')).body.code, 'auth.api_key.invalid');
    });

    test('Argon2id runs once per key, not once per request', async () => {
      const key = await h.createKey(h.b.id, 'live');
      const client = new PartnerClient(h.baseUrl, key.key);
      const before = h.tessera.argon2.verifications;
      for (let i = 0; i < 20; i++) assert.equal((await client.get('/v1/me')).status, 200);
      assert.equal(h.tessera.argon2.verifications - before, 1);
    });
  });
}
