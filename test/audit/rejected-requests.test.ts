import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PartnerClient, type Reply, send } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { allAuditText, auditRowFor } from './audit-support.ts';

for (const target of databaseTargets()) {
  describe(`every rejected request leaves an audit event (${target})`, () => {
    let h: Harness;
    const presented: string[] = [];
    before(async () => {
      h = await startHarness(target, {
        env: { TESSERA_AUTH_FAILURE_LIMIT: '3', TESSERA_RATE_LIMIT_PER_MINUTE: '3' },
      });
      presented.push(h.a.keys.live.key, h.a.keys.test.key, h.b.keys.live.key);
    });
    after(() => h?.close());

    /** The response's request id names exactly one event, durable by the time the response arrived. */
    const eventOf = async (reply: Reply) => {
      const requestId = reply.headers.get('x-request-id') ?? '';
      assert.equal(reply.body.request_id, requestId);
      const row = await auditRowFor(h.tessera.db, requestId);
      assert.ok(row, `no audit event for ${requestId}`);
      return row;
    };

    test('missing and malformed keys are recorded with their codes, attributed to no partner', async () => {
      for (const [authorization, code] of [
        [undefined, 'auth.api_key.missing'],
        ['Bearer sk_live_short', 'auth.api_key.malformed'],
      ] as const) {
        const reply = await send(h.baseUrl, '/v1/me', authorization ? { headers: { authorization } } : {});
        const row = await eventOf(reply);
        assert.deepEqual(
          [row.status, row.error_code, row.partner_id, row.chain_id, row.actor_type, row.action, row.path],
          [401, code, null, '-', 'anonymous', 'api.request', '/v1/me'],
        );
      }
    });

    test('a wrong secret on a known prefix is invalid and recorded on that partner’s chain', async () => {
      const live = h.a.keys.live;
      const wrong = `sk_live_${live.prefix}_${'Z'.repeat(48)}`;
      presented.push(wrong);
      const row = await eventOf(await new PartnerClient(h.baseUrl, wrong).get('/v1/me'));
      assert.deepEqual(
        [row.status, row.error_code, row.partner_id, row.environment, row.actor_id],
        [401, 'auth.api_key.invalid', h.a.id, 'live', live.prefix],
      );
    });

    test('a key without the scope is 403 auth.permission.denied, recorded as that key', async () => {
      const key = await h.createKey(h.b.id, 'test', { scopes: ['quotes:read'] });
      presented.push(key.key);
      const row = await eventOf(
        await new PartnerClient(h.baseUrl, key.key).get('/v1/audit-events?from=2020-01-01'),
      );
      assert.deepEqual(
        [row.status, row.error_code, row.partner_id, row.environment, row.actor_id, row.chain_id],
        [403, 'auth.permission.denied', h.b.id, 'test', key.prefix, `${h.b.id}/test`],
      );
    });

    test('a request from outside the allowlist is 403 auth.ip.forbidden, recorded', async () => {
      const key = await h.createKey(h.b.id, 'live');
      presented.push(key.key);
      const set = await h.admin('PUT', `/admin/v1/partners/${h.b.id}/allowlist`, {
        environment: 'live',
        entries: [{ cidr: '203.0.113.0/24' }],
      });
      assert.equal(set.status, 200);
      const row = await eventOf(await new PartnerClient(h.baseUrl, key.key).get('/v1/me'));
      assert.deepEqual([row.status, row.error_code, row.partner_id], [403, 'auth.ip.forbidden', h.b.id]);
      await h.admin('PUT', `/admin/v1/partners/${h.b.id}/allowlist`, { environment: 'live', entries: [] });
    });

    test('over the rate limit is 429 rate_limit.exceeded, recorded', async () => {
      const key = await h.createKey(h.a.id, 'test');
      presented.push(key.key);
      const client = new PartnerClient(h.baseUrl, key.key);
      let reply = await client.get('/v1/me');
      for (let i = 0; i < 5 && reply.status !== 429; i++) reply = await client.get('/v1/me');
      assert.equal(reply.status, 429);
      const row = await eventOf(reply);
      assert.deepEqual([row.status, row.error_code, row.actor_id], [429, 'rate_limit.exceeded', key.prefix]);
    });

    test('repeated failures become 429 auth.throttled, recorded too', async () => {
      // Guesses: a different secret each time (the same refused secret again is not a new failure).
      const guess = (i: number) => {
        const unknown = `sk_test_QQQQ2222_${'q'.repeat(46)}${String(i).padStart(2, '0')}`;
        presented.push(unknown);
        return new PartnerClient(h.baseUrl, unknown).get('/v1/me');
      };
      let reply = await guess(0);
      for (let i = 1; i < 7 && reply.body.code !== 'auth.throttled'; i++) reply = await guess(i);
      const row = await eventOf(reply);
      assert.deepEqual([row.status, row.error_code], [429, 'auth.throttled']);
    });

    test('a rejected admin request is recorded, and no column anywhere holds a secret', async () => {
      const reply = await send(h.baseUrl, '/admin/v1/partners', {
        headers: { authorization: 'Bearer not-the-token' },
      });
      const row = await eventOf(reply);
      assert.deepEqual(
        [row.status, row.error_code, row.action],
        [401, 'admin.token.invalid', 'admin.request'],
      );

      const everything = await allAuditText(h.tessera.db);
      for (const key of presented) {
        const secret = key.split('_')[3] ?? key;
        assert.ok(!everything.includes(secret), 'no key secret is stored');
      }
      assert.ok(
        !everything.includes('not-the-token') && !everything.includes('test-admin-token'),
        'no admin token',
      );
    });
  });
}
