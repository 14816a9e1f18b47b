// Personal staff credentials on /admin/v1/*: access tokens from the staff issuer are checked for
// signature, issuer, audience, expiry, MFA and role; every audit event names the person; the automation
// token is named as such, can be switched off, and cannot be guessed at speed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTessera } from '../../src/app.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { send } from '../support/client.ts';
import { createTestDatabase, databaseTargets } from '../support/database.ts';
import { ADMIN_TOKEN, type Harness, startHarness, testConfig } from '../support/harness.ts';
import { staffEnv, startTokenIssuer, type TokenIssuer } from './token-issuer.ts';

const T0 = Date.UTC(2026, 10, 29, 10, 0, 0);

for (const target of databaseTargets()) {
  describe(`staff access tokens on the admin API (${target})`, () => {
    let h: Harness;
    let issuer: TokenIssuer;
    let otherIssuer: TokenIssuer;
    let clock = T0;
    const get = (path: string, token: string, headers: Record<string, string> = {}) =>
      send(h.baseUrl, path, { headers: { authorization: `Bearer ${token}`, ...headers } });
    const eventOf = async (requestId: unknown) => {
      const [row] = await h.tessera.db.query<{ actor_type: string; actor_id: string; detail: unknown }>(
        'SELECT actor_type, actor_id, detail FROM audit_events WHERE request_id = $1',
        [String(requestId)],
      );
      return row;
    };

    before(async () => {
      issuer = await startTokenIssuer();
      otherIssuer = await startTokenIssuer();
      h = await startHarness(target, {
        env: {
          ...staffEnv(issuer),
          TESSERA_STAFF_OIDC_ACR: 'urn:tessera:loa:mfa',
          TESSERA_TRUSTED_PROXIES: '127.0.0.1/32',
        },
        now: () => clock,
      });
    });
    after(async () => {
      await h?.close();
      await issuer?.close();
      await otherIssuer?.close();
    });

    test("a person's token is accepted and the audit event names the person and the channel", async () => {
      const token = await issuer.token('alice', { groups: ['tessera-operator'] }, clock);
      const api = await get('/admin/v1/partners', token);
      assert.equal(api.status, 200);
      const cli = await get('/admin/v1/partners', token, { 'x-tessera-client': 'cli' });
      assert.equal(cli.status, 200);
      const event = await eventOf(api.headers.get('x-request-id'));
      assert.equal(event?.actor_type, 'staff');
      assert.equal(event?.actor_id, 'alice@staff.example');
      assert.deepEqual(event?.detail, {
        channel: 'admin_api',
        staff_subject: 'alice',
        staff_email: 'alice@staff.example',
        staff_issuer: issuer.issuer,
        staff_role: 'tessera-operator',
        staff_session: 'sid-alice',
      });
      assert.equal(
        ((await eventOf(cli.headers.get('x-request-id')))?.detail as { channel: string }).channel,
        'cli',
      );
    });

    test('a change made with a personal token is audited under that person', async () => {
      const token = await issuer.token('carol', { groups: ['tessera-operator'] }, clock);
      const reply = await send(h.baseUrl, '/admin/v1/partners', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Named Actor Ltd' }),
      });
      assert.equal(reply.status, 201);
      const [created] = await h.tessera.db.query<{
        actor_type: string;
        actor_id: string;
        detail: Record<string, unknown>;
      }>(
        `SELECT actor_type, actor_id, detail FROM audit_events WHERE action = 'partner.created' AND partner_id = $1`,
        [String(reply.body.id)],
      );
      assert.equal(created?.actor_type, 'staff');
      assert.equal(created?.actor_id, 'carol@staff.example');
      assert.equal(created?.detail.staff_subject, 'carol');
      assert.equal(created?.detail.staff_role, 'tessera-operator');
    });

    test('an acr from TESSERA_STAFF_OIDC_ACR counts as MFA', async () => {
      const token = await issuer.token('dora', { amr: ['pwd'], acr: 'urn:tessera:loa:mfa' }, clock);
      assert.equal((await get('/admin/v1/partners', token)).status, 200);
    });

    const refusals: Array<[string, () => Promise<string>, number, string]> = [
      [
        'without a second factor',
        () => issuer.token('eve', { amr: ['pwd'] }, clock),
        403,
        'staff.mfa_required',
      ],
      [
        'with an unaccepted acr',
        () => issuer.token('eve', { amr: ['pwd'], acr: '1' }, clock),
        403,
        'staff.mfa_required',
      ],
      [
        'without a Tessera role',
        () => issuer.token('eve', { groups: ['finance'] }, clock),
        403,
        'staff.forbidden',
      ],
      ['from another issuer', () => otherIssuer.token('eve', {}, clock), 401, 'admin.token.invalid'],
      [
        'claiming our issuer but signed by another key',
        () => otherIssuer.token('eve', { iss: issuer.issuer }, clock),
        401,
        'admin.token.invalid',
      ],
      [
        'for another audience',
        () => issuer.token('eve', { aud: 'billing-api' }, clock),
        401,
        'admin.token.invalid',
      ],
      ['expired', () => issuer.token('eve', {}, clock - 3_600_000), 401, 'admin.token.invalid'],
      [
        'not yet issued',
        () => issuer.token('eve', { nbf: Math.floor(clock / 1000) + 600 }, clock),
        401,
        'admin.token.invalid',
      ],
    ];
    // Each refusal comes from an address of its own: identical rejections from one address are recorded
    // as one event per window (issue 10 item 5), and this test looks up each request's own event.
    for (const [index, [name, mint, status, code]] of refusals.entries()) {
      test(`a token ${name} is refused with ${code}`, async () => {
        const from = { 'x-forwarded-for': `127.0.1.${10 + index}` };
        const reply = await get('/admin/v1/partners', await mint(), from);
        assert.equal(reply.status, status);
        assert.equal(reply.body.code, code);
        const event = await eventOf(reply.body.request_id);
        assert.equal(event?.actor_type, 'anonymous');
      });
    }

    test('the automation token is audited as automation', async () => {
      const reply = await get('/admin/v1/partners', ADMIN_TOKEN);
      assert.equal(reply.status, 200);
      const event = await eventOf(reply.headers.get('x-request-id'));
      assert.equal(event?.actor_type, 'automation');
      assert.equal(event?.actor_id, 'admin-token');
    });

    test('ten wrong admin tokens from one address make it wait, even with the right token', async () => {
      clock += 61_000; // a fresh window: the refusals above were failures from this address too
      for (let i = 0; i < 10; i++) {
        assert.equal((await get('/admin/v1/partners', `wrong-token-${i}-0123456789abcdefghij`)).status, 401);
      }
      const throttled = await get('/admin/v1/partners', ADMIN_TOKEN);
      assert.equal(throttled.status, 429);
      assert.equal(throttled.body.code, 'auth.throttled');
      assert.ok(Number(throttled.headers.get('retry-after')) > 0);
      clock += 61_000; // the failure window (60 s) ends
      assert.equal((await get('/admin/v1/partners', ADMIN_TOKEN)).status, 200);
    });
  });
}

describe('the automation token at start', () => {
  test('a TESSERA_ADMIN_TOKEN under 32 characters is refused with a clear message', () => {
    assert.throws(
      () => loadConfig({ TESSERA_ADMIN_TOKEN: 'short-token-0123456789' }),
      (error: unknown) =>
        error instanceof ConfigError && /at least 32 characters \(it has 22\)/.test(error.message),
    );
    assert.equal(loadConfig({ TESSERA_ADMIN_TOKEN: 'x'.repeat(32) }).adminToken, 'x'.repeat(32));
  });

  test('TESSERA_ADMIN_TOKEN_ENABLED=false refuses the token', async () => {
    const database = await createTestDatabase('pglite');
    const tessera = await createTessera(testConfig({ TESSERA_ADMIN_TOKEN_ENABLED: 'false' }), {
      db: database.db,
      logger: createLogger('silent'),
    });
    try {
      const baseUrl = await tessera.listen();
      const reply = await send(baseUrl, '/admin/v1/partners', {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      assert.equal(reply.status, 401);
      assert.equal(reply.body.code, 'admin.token.invalid');
      assert.equal(tessera.generatedAdminToken, undefined);
    } finally {
      await tessera.close();
      await database.drop();
    }
  });
});
