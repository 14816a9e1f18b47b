// The staff console at /staff with a real OpenID Provider (oidc-provider): sign-in through the provider's
// page; without a second factor or a Tessera role the sign-in ends on a refusal page and is audited; a
// suspension made in the console stops the partner's key; an operator's MFA-reset request is approved by
// a second admin; all three people appear in the audit log. Every page is checked against every role
// (one table), and CSRF, CSP and the allowlist are enforced.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { freePort } from '../support/ports.ts';
import { BrowserAgent } from './browser-agent.ts';
import { CONSOLE_CLIENT, STAFF_AUDIENCE, startProvider, type TestProvider } from './oidc-provider.ts';

const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

for (const target of databaseTargets()) {
  describe(`the staff console (${target})`, () => {
    let h: Harness;
    let provider: TestProvider;
    const agents: Record<string, BrowserAgent> = {};

    before(async () => {
      const port = await freePort();
      const redirect = `http://127.0.0.1:${port}/staff/callback`;
      provider = await startProvider(redirect);
      h = await startHarness(target, {
        env: {
          PORT: String(port),
          TESSERA_STAFF_OIDC_ISSUER: provider.issuer,
          TESSERA_STAFF_OIDC_CLIENT_ID: CONSOLE_CLIENT.id,
          TESSERA_STAFF_OIDC_CLIENT_SECRET: CONSOLE_CLIENT.secret,
          TESSERA_STAFF_OIDC_REDIRECT_URL: redirect,
          TESSERA_STAFF_OIDC_AUDIENCE: STAFF_AUDIENCE,
        },
      });
    });
    after(async () => {
      await h?.close();
      await provider?.close();
    });

    const signIn = async (user: string) => {
      const agent = new BrowserAgent();
      const end = await agent.signIn(`${h.baseUrl}/staff/login`, user);
      agents[user] = agent;
      return end;
    };
    const post = async (user: string, path: string, fields: Record<string, string> = {}) => {
      const agent = agents[user] ?? new BrowserAgent();
      const page = await agent.open(`${h.baseUrl}/staff/approvals`);
      return agent.open(`${h.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrfOf(page.text), ...fields }).toString(),
      });
    };

    test('sign-in without a second factor, or without a Tessera role, is refused and audited', async () => {
      const noMfa = await signIn('nomfa');
      assert.equal(noMfa.status, 403);
      assert.match(noMfa.text, /A second factor is required/);
      const noRole = await signIn('norole');
      assert.equal(noRole.status, 403);
      assert.match(noRole.text, /No Tessera role/);
      const refused = await h.tessera.db.query<{ detail: Record<string, unknown> }>(
        `SELECT detail FROM audit_events WHERE action = 'staff.sign_in_refused' ORDER BY seq`,
      );
      assert.deepEqual(
        refused.map((r) => [r.detail.staff_subject, r.detail.reason]),
        [
          ['u-nomfa', 'no_mfa'],
          ['u-norole', 'no_role'],
        ],
      );
      const page = await agents.nomfa?.open(`${h.baseUrl}/staff`);
      // No session was created: /staff sends the person back through sign-in, which refuses again.
      assert.equal(page?.status, 403);
      assert.match(page?.text ?? '', /A second factor is required/);
    });

    test('an admin signs in and suspends a partner; its key then gets 403 partner.suspended', async () => {
      const end = await signIn('ada');
      assert.equal(end.status, 200);
      const home = await agents.ada?.open(`${h.baseUrl}/staff`);
      assert.equal(home?.status, 200);
      assert.match(home?.text ?? '', /Partner A Bank/);
      const suspended = await post('ada', `/staff/partners/${h.a.id}/suspend`, { reason: 'fraud review' });
      assert.equal(suspended.status, 200);
      assert.match(suspended.text, /Suspended since/);
      const refused = await h.a.live.get('/v1/me');
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, 'partner.suspended');
    });

    test('an operator asks for an MFA reset and a second admin approves it; the log names all three', async () => {
      const invited = await h.admin('POST', `/admin/v1/partners/${h.b.id}/users`, {
        email: 'owner@b.example',
        role: 'owner',
      });
      const userId = String(invited.body.id);
      await h.tessera.db.query(
        `INSERT INTO console_totp_factors (user_id, secret_ciphertext, key_id, created_at, confirmed_at)
         VALUES ($1, 'x', 'k', now(), now())`,
        [userId],
      );
      assert.equal((await signIn('oli')).status, 200);
      const asked = await post('oli', `/staff/partners/${h.b.id}/users/${userId}/mfa-reset`);
      assert.equal(asked.status, 200);
      assert.match(asked.text, /reset the second factors of owner@b\.example/);
      assert.doesNotMatch(
        asked.text,
        /action="\/staff\/approvals\/[^"]+\/approve"/,
        'an operator cannot approve',
      );

      const own = await post('ada', '/staff/approvals'); // ada's CSRF token, on a page she can see
      assert.equal(own.status, 404);
      assert.equal((await signIn('bob')).status, 200);
      const list = await agents.bob?.open(`${h.baseUrl}/staff/approvals`);
      const approve = /action="(\/staff\/approvals\/apr_[^"]+\/approve)"/.exec(list?.text ?? '')?.[1];
      assert.ok(approve, 'bob sees an Approve button');
      const approved = await post('bob', approve);
      assert.equal(approved.status, 200);
      assert.equal(
        (await h.tessera.db.query('SELECT 1 FROM console_totp_factors WHERE user_id = $1', [userId])).length,
        0,
      );

      const audit = (await agents.aud) ?? new BrowserAgent();
      agents.aud = audit;
      assert.equal((await signIn('aud')).status, 200);
      const log = await agents.aud?.open(`${h.baseUrl}/staff/audit`);
      assert.equal(log?.status, 200);
      for (const email of ['ada@ops.example', 'oli@ops.example', 'bob@ops.example']) {
        assert.ok(log?.text.includes(email), `${email} appears in the audit log`);
      }
      const [reset] = await h.tessera.db.query<{ actor_id: string; detail: Record<string, unknown> }>(
        `SELECT actor_id, detail FROM audit_events WHERE action = 'user.mfa_reset'`,
      );
      assert.equal(reset?.actor_id, 'bob@ops.example');
      assert.equal(reset?.detail.channel, 'staff_console');
      assert.match(String(reset?.detail.staff_session), /^sss_[0-9a-f]{16}$/);
    });

    test('every page and action is enforced for every role (one table)', async () => {
      const pages: Array<[string, string, string[]]> = [
        ['GET', '/staff', ['ada', 'oli', 'aud']],
        ['GET', `/staff/partners/${h.b.id}`, ['ada', 'oli', 'aud']],
        ['GET', '/staff/approvals', ['ada', 'oli', 'aud']],
        ['GET', '/staff/audit', ['ada', 'aud']],
        ['GET', '/staff/audit/export', ['ada', 'aud']],
        ['GET', '/staff/sessions', ['ada']],
        ['POST', '/staff/partners', ['ada', 'oli']],
        ['POST', `/staff/partners/${h.b.id}/suspend`, ['ada', 'oli']],
        ['POST', '/staff/approvals/apr_000000000000000000000000/approve', ['ada']],
        ['POST', '/staff/sessions/sss_0000000000000000/end', ['ada']],
      ];
      for (const [method, path, allowed] of pages) {
        for (const user of ['ada', 'oli', 'aud']) {
          const reply =
            method === 'GET'
              ? await agents[user]?.open(`${h.baseUrl}${path}`)
              : await post(user, path, { name: 'Table Partner', reason: 'table' });
          const refused = reply?.status === 403;
          assert.equal(refused, !allowed.includes(user), `${user} ${method} ${path}: ${reply?.status}`);
        }
      }
    });

    test('a form without its CSRF token is refused; pages carry the strict CSP; no session, no page', async () => {
      const forged = await agents.ada?.open(`${h.baseUrl}/staff/partners/${h.b.id}/suspend`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'reason=forged',
      });
      assert.equal(forged?.status, 403);
      assert.match(forged?.text ?? '', /This form has expired/);
      const response = await fetch(`${h.baseUrl}/staff/login`, { redirect: 'manual' });
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      const anonymous = await fetch(`${h.baseUrl}/staff`, { redirect: 'manual' });
      assert.equal(anonymous.status, 303);
      assert.equal(anonymous.headers.get('location'), '/staff/login');
    });
  });
}
