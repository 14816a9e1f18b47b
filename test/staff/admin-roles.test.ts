// One table of every /admin/v1 route and the staff permission it needs, sent with a token of each role:
// a role without the permission gets 403 staff.forbidden before anything runs; a role with it never does.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ROLE_PERMISSIONS, type StaffPermission } from '../../src/staff/permissions.ts';
import { send } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { staffEnv, startTokenIssuer, type TokenIssuer } from './token-issuer.ts';

const T0 = Date.UTC(2026, 10, 29, 10, 0, 0);
const PTN = 'ptn_00000000000000000000000';
const KEY = 'key_00000000000000000000000';
const USR = 'usr_00000000000000000000000';
const APR = 'apr_00000000000000000000000';

const ROUTES: ReadonlyArray<[string, string, StaffPermission]> = [
  ['GET', '/admin/v1/partners', 'read'],
  ['POST', '/admin/v1/partners', 'operate'],
  ['GET', `/admin/v1/partners/${PTN}`, 'read'],
  ['PATCH', `/admin/v1/partners/${PTN}`, 'operate'],
  ['POST', `/admin/v1/partners/${PTN}/keys`, 'operate'],
  ['GET', `/admin/v1/partners/${PTN}/keys`, 'read'],
  ['POST', `/admin/v1/keys/${KEY}/revoke`, 'operate'],
  ['POST', `/admin/v1/keys/${KEY}/regenerate`, 'operate'],
  ['GET', `/admin/v1/partners/${PTN}/allowlist`, 'read'],
  ['PUT', `/admin/v1/partners/${PTN}/allowlist`, 'operate'],
  ['POST', `/admin/v1/partners/${PTN}/users`, 'operate'],
  ['GET', `/admin/v1/partners/${PTN}/users`, 'read'],
  ['POST', `/admin/v1/partners/${PTN}/suspend`, 'operate'],
  ['POST', `/admin/v1/partners/${PTN}/reactivate`, 'operate'],
  ['POST', `/admin/v1/partners/${PTN}/users/${USR}/mfa-reset`, 'operate'],
  ['GET', `/admin/v1/partners/${PTN}/audit-events`, 'audit'],
  ['GET', `/admin/v1/partners/${PTN}/audit-events/manifest`, 'audit'],
  ['GET', '/admin/v1/audit/verify', 'audit'],
  ['POST', '/admin/v1/audit/purge', 'admin'],
  ['GET', '/admin/v1/approvals', 'read'],
  ['POST', `/admin/v1/approvals/${APR}/approve`, 'approve'],
  ['POST', `/admin/v1/approvals/${APR}/reject`, 'approve'],
];

for (const target of databaseTargets()) {
  describe(`staff roles on every admin route (${target})`, () => {
    let h: Harness;
    let issuer: TokenIssuer;
    before(async () => {
      issuer = await startTokenIssuer();
      h = await startHarness(target, { env: staffEnv(issuer), now: () => T0 });
    });
    after(async () => {
      await h?.close();
      await issuer?.close();
    });

    for (const role of Object.keys(ROLE_PERMISSIONS) as Array<keyof typeof ROLE_PERMISSIONS>) {
      test(`${role}`, async () => {
        const token = await issuer.token(`someone-${role}`, { groups: [role] }, T0);
        for (const [method, path, needs] of ROUTES) {
          const reply = await send(h.baseUrl, path, {
            method,
            headers: {
              authorization: `Bearer ${token}`,
              ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
            },
            ...(method === 'GET' ? {} : { body: '{}' }),
          });
          const forbidden = reply.status === 403 && reply.body.code === 'staff.forbidden';
          assert.equal(
            forbidden,
            !ROLE_PERMISSIONS[role].includes(needs),
            `${role} ${method} ${path}: ${reply.text}`,
          );
          assert.notEqual(reply.status, 500, `${method} ${path}`);
        }
      });
    }
  });
}
