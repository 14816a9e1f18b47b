// Suspension and four-eyes approval through the admin API, with people from the staff issuer and an
// injected clock: a suspended partner's key gets 403 partner.suspended; sensitive actions wait for a
// different tessera-admin, run exactly once on approval, never after 24 hours, and each step is audited.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { send } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from '../support/harness.ts';
import { staffEnv, startTokenIssuer, type TokenIssuer } from './token-issuer.ts';

const T0 = Date.UTC(2026, 10, 29, 10, 0, 0);
const DAY_MS = 86_400_000;

for (const target of databaseTargets()) {
  describe(`suspension and four-eyes approval (${target})`, () => {
    let h: Harness;
    let issuer: TokenIssuer;
    let clock = T0;
    const as = async (who: string, role: string, method: string, path: string, body?: unknown) =>
      send(h.baseUrl, path, {
        method,
        headers: {
          authorization: `Bearer ${await issuer.token(who, { groups: [role] }, clock)}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const events = (action: string, approvalId: string) =>
      h.tessera.db.query<{ actor_id: string; detail: Record<string, unknown> }>(
        `SELECT actor_id, detail FROM audit_events WHERE action = $1 AND detail->>'approval_id' = $2`,
        [action, approvalId],
      );

    before(async () => {
      issuer = await startTokenIssuer();
      h = await startHarness(target, {
        env: { ...staffEnv(issuer), TESSERA_APPROVAL_RATE_LIMIT_ABOVE: '1000' },
        now: () => clock,
      });
    });
    after(async () => {
      await h?.close();
      await issuer?.close();
    });

    test('a suspended partner gets 403 partner.suspended; reactivation needs a second admin', async () => {
      const suspended = await as('olga', 'tessera-operator', 'POST', `/admin/v1/partners/${h.a.id}/suspend`, {
        reason: 'unpaid invoices',
      });
      assert.equal(suspended.status, 200);
      assert.ok(suspended.body.suspended_at);
      const refused = await h.a.live.get('/v1/me');
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, 'partner.suspended');
      assert.equal((await h.b.live.get('/v1/me')).status, 200);

      const asked = await as('adam', 'tessera-admin', 'POST', `/admin/v1/partners/${h.a.id}/reactivate`);
      assert.equal(asked.status, 202);
      const approval = asked.body.approval as { id: string; status: string };
      assert.equal(approval.status, 'pending');
      assert.equal((await h.a.live.get('/v1/me')).status, 403, 'nothing runs before approval');

      const self = await as('adam', 'tessera-admin', 'POST', `/admin/v1/approvals/${approval.id}/approve`);
      assert.equal(self.status, 403);
      assert.equal(self.body.code, 'approval.self_approval');
      const byOperator = await as(
        'olga',
        'tessera-operator',
        'POST',
        `/admin/v1/approvals/${approval.id}/approve`,
      );
      assert.equal(byOperator.body.code, 'staff.forbidden');
      const byAutomation = await send(h.baseUrl, `/admin/v1/approvals/${approval.id}/approve`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      assert.equal(byAutomation.body.code, 'staff.forbidden');

      const approved = await as('bea', 'tessera-admin', 'POST', `/admin/v1/approvals/${approval.id}/approve`);
      assert.equal(approved.status, 200);
      assert.equal((await h.a.live.get('/v1/me')).status, 200);
      const again = await as('cid', 'tessera-admin', 'POST', `/admin/v1/approvals/${approval.id}/approve`);
      assert.equal(again.status, 409);
      assert.equal(again.body.code, 'approval.not_pending');

      assert.equal((await events('approval.requested', approval.id))[0]?.actor_id, 'adam@staff.example');
      assert.equal((await events('approval.approved', approval.id))[0]?.actor_id, 'bea@staff.example');
      assert.equal((await events('approval.executed', approval.id)).length, 1, 'ran exactly once');
      const [reactivated] = await h.tessera.db.query<{ actor_id: string }>(
        `SELECT actor_id FROM audit_events WHERE action = 'partner.reactivated' AND partner_id = $1`,
        [h.a.id],
      );
      assert.equal(reactivated?.actor_id, 'bea@staff.example');
    });

    test('an MFA reset asked by an operator runs when an admin approves it', async () => {
      const invited = await as('olga', 'tessera-operator', 'POST', `/admin/v1/partners/${h.b.id}/users`, {
        email: 'owner@partner-b.example',
        role: 'owner',
      });
      assert.equal(invited.status, 201);
      const userId = String(invited.body.id);
      await h.tessera.db.query(
        `INSERT INTO console_totp_factors (user_id, secret_ciphertext, key_id, created_at, confirmed_at)
         VALUES ($1, 'x', 'k', now(), now())`,
        [userId],
      );
      const asked = await as(
        'olga',
        'tessera-operator',
        'POST',
        `/admin/v1/partners/${h.b.id}/users/${userId}/mfa-reset`,
      );
      assert.equal(asked.status, 202);
      const id = (asked.body.approval as { id: string }).id;
      const approved = await as('bea', 'tessera-admin', 'POST', `/admin/v1/approvals/${id}/approve`);
      assert.equal(approved.status, 200);
      const factors = await h.tessera.db.query('SELECT 1 FROM console_totp_factors WHERE user_id = $1', [
        userId,
      ]);
      assert.equal(factors.length, 0);
      const [reset] = await h.tessera.db.query<{ actor_id: string; detail: Record<string, unknown> }>(
        `SELECT actor_id, detail FROM audit_events WHERE action = 'user.mfa_reset' AND partner_id = $1`,
        [h.b.id],
      );
      assert.equal(reset?.actor_id, 'bea@staff.example');
      assert.equal(reset?.detail.user_id, userId);
    });

    test('a request not approved within 24 hours never runs', async () => {
      const asked = await as('adam', 'tessera-admin', 'PATCH', `/admin/v1/partners/${h.b.id}`, {
        rate_limit_per_minute: 5000,
      });
      assert.equal(asked.status, 202);
      const id = (asked.body.approval as { id: string }).id;
      clock += DAY_MS + 1_000;
      const late = await as('bea', 'tessera-admin', 'POST', `/admin/v1/approvals/${id}/approve`);
      assert.equal(late.status, 409);
      assert.equal(late.body.code, 'approval.expired');
      const partner = await as('bea', 'tessera-admin', 'GET', `/admin/v1/partners/${h.b.id}`);
      assert.equal(partner.body.rate_limit_per_minute, null);
      assert.equal((await events('approval.executed', id)).length, 0);
      const listed = await as('bea', 'tessera-auditor', 'GET', '/admin/v1/approvals?status=expired');
      assert.ok((listed.body.data as Array<{ id: string }>).some((a) => a.id === id));
    });

    test('a rate limit at or under the threshold changes at once', async () => {
      const reply = await as('olga', 'tessera-operator', 'PATCH', `/admin/v1/partners/${h.b.id}`, {
        rate_limit_per_minute: 1000,
      });
      assert.equal(reply.status, 200);
      assert.equal(reply.body.rate_limit_per_minute, 1000);
    });

    test('narrowing an allowlist is immediate; widening, removing or /0 waits for approval', async () => {
      const put = (entries: string[], allowAny = false) =>
        as('olga', 'tessera-operator', 'PUT', `/admin/v1/partners/${h.b.id}/allowlist`, {
          environment: 'test',
          entries: entries.map((cidr) => ({ cidr })),
          ...(allowAny ? { allow_any: true } : {}),
        });
      assert.equal((await put(['10.0.0.0/8'])).status, 200, 'the first list only narrows');
      assert.equal((await put(['10.1.0.0/16'])).status, 200, 'inside the current list');
      assert.equal((await put(['10.1.0.0/16', '192.168.0.0/16'])).status, 202);
      const removed = await put([]);
      assert.equal(removed.status, 202, `removing the list admits everyone: ${removed.text}`);
      const any = await put(['10.1.2.0/24', '0.0.0.0/0'], true);
      assert.equal(any.status, 202, `/0 needs allow_any, then approval: ${any.text}`);
      const shown = await as('olga', 'tessera-operator', 'GET', `/admin/v1/partners/${h.b.id}/allowlist`);
      assert.deepEqual(
        (shown.body.entries as Array<{ cidr: string }>).map((e) => e.cidr),
        ['10.1.0.0/16'],
      );
    });

    test("regenerating a key on the partner's behalf shows the new key to the approver only", async () => {
      const key = await h.createKey(h.b.id, 'test');
      const asked = await send(h.baseUrl, `/admin/v1/keys/${key.id}/regenerate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      assert.equal(asked.status, 202, 'the automation token goes through four-eyes once staff SSO is on');
      assert.equal(asked.body.key, undefined);
      const id = (asked.body.approval as { id: string }).id;
      const approved = await as('bea', 'tessera-admin', 'POST', `/admin/v1/approvals/${id}/approve`);
      assert.equal(approved.status, 200);
      const newKey = String((approved.body.result as { key: string }).key);
      assert.match(newKey, /^sk_test_/);
      const rows = await h.tessera.db.query<{ row: string }>(
        `SELECT row_to_json(e)::text AS row FROM audit_events e WHERE detail->>'approval_id' = $1`,
        [id],
      );
      assert.ok(rows.length >= 3);
      for (const { row } of rows)
        assert.ok(!row.includes(newKey.split('_')[3] ?? '?'), 'no secret in the log');
      const stored = await h.tessera.db.query<{ result: string }>(
        'SELECT result::text AS result FROM staff_approvals WHERE id = $1',
        [id],
      );
      assert.ok(!stored[0]?.result.includes(newKey.split('_')[3] ?? '?'));
    });
  });
}
