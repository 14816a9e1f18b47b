// Console flows over HTTP: regenerate and revoke keys (own partner only), escaping of partner-controlled
// text, recovery codes (single use), passkey ceremonies refusing forged input, and the team (roles take
// effect at once, the last owner stays, removed users are signed out).
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { publishSigningKey, signingKeyFromPem } from '../../src/audit/signing-keys.ts';
import { consoleJobs } from '../../src/console/index.ts';
import { createLogger } from '../../src/log.ts';
import { PartnerClient, send } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness, TEST_ARGON2_COST, testConfig } from '../support/harness.ts';
import { FormClient, linkFor, pathOf, signIn, tempDataDir } from './support.ts';

const MINUTE = 60_000;

for (const target of databaseTargets()) {
  describe(`console flows (${target})`, () => {
    let h: Harness;
    let clock = Date.now();
    const now = () => clock;
    const dataDir = tempDataDir();
    const owner = 'owner@flows-a.example';
    let ownerSecret = '';
    let recoveryCodes: string[] = [];

    before(async () => {
      h = await startHarness(target, { now, env: { TESSERA_DATA_DIR: dataDir } });
      await h.admin('POST', `/admin/v1/partners/${h.a.id}/users`, { email: owner, role: 'owner' });
      const first = await signIn(h.baseUrl, dataDir, owner, now);
      ownerSecret = first.secret;
      recoveryCodes = [...first.page.text.matchAll(/<li>([a-z0-9]{5}-[a-z0-9]{5})<\/li>/g)].map(
        (m) => m[1] ?? '',
      );
    });
    after(() => h?.close());

    const session = async () => {
      clock += 16 * MINUTE;
      return (await signIn(h.baseUrl, dataDir, owner, now, ownerSecret)).client;
    };

    test('regenerating a key shows the new secret once; the old secret stops working', async () => {
      const client = await session();
      const keys = await client.get('/console/keys?env=test');
      const posted = await client.submit(keys, `/console/keys/${h.a.keys.test.id}/regenerate`);
      assert.equal(posted.status, 303, 'Post/Redirect/Get');
      assert.equal(posted.location, '/console/keys?env=test');
      assert.doesNotMatch(posted.location ?? '', /sk_/, 'no secret in the URL');
      const regenerated = await client.get(posted.location ?? '');
      const fresh = /(sk_test_[A-Za-z0-9]{8}_[A-Za-z0-9]{48})/.exec(regenerated.text)?.[1] ?? '';
      assert.ok(fresh.startsWith(`sk_test_${h.a.keys.test.prefix}_`));
      const reloaded = await client.get('/console/keys?env=test');
      assert.doesNotMatch(reloaded.text, /sk_test_[A-Za-z0-9]{8}_[A-Za-z0-9]{48}/, 'shown once');
      assert.equal((await new PartnerClient(h.baseUrl, fresh).get('/v1/me')).status, 200);
      const old = await h.a.test.get('/v1/me');
      assert.equal(old.status, 401);
      assert.equal(old.body.code, 'auth.api_key.invalid');
    });

    test("another partner's key is not found, and nothing changes", async () => {
      const client = await session();
      const keys = await client.get('/console/keys');
      const reply = await client.submit(keys, `/console/keys/${h.b.keys.live.id}/revoke`);
      assert.equal(reply.status, 404);
      assert.equal((await h.b.live.get('/v1/me')).status, 200);
    });

    test('partner-controlled text is escaped, never markup', async () => {
      const client = await session();
      const keys = await client.get('/console/keys');
      const created = await client.submitAndFollow(keys, '/console/keys', {
        environment: 'test',
        name: '<img src=x onerror=alert(1)>',
        scopes: 'quotes:read',
      });
      assert.equal(created.status, 200);
      assert.doesNotMatch(created.text, /<img src=x/);
      assert.match(created.text, /&lt;img src=x onerror=alert\(1\)&gt;/);
      const invalid = await client.submit(keys, '/console/keys', {
        environment: 'test',
        name: 'x',
        scopes: 'admin:all',
      });
      assert.equal(invalid.status, 400);
      assert.match(invalid.text, /Choose at least one scope/);
    });

    test('a recovery code signs in once', async () => {
      assert.equal(recoveryCodes.length, 10);
      const code = recoveryCodes[0] ?? '';
      for (const expected of [303, 400]) {
        clock += 16 * MINUTE;
        const client = new FormClient(h.baseUrl);
        const login = await client.get('/console/login');
        const at = clock;
        await client.submit(login, '/console/login', { email: owner });
        const link = await linkFor(dataDir, owner, at);
        const confirm = await client.get(pathOf(link));
        await client.submit(confirm, '/console/login/link', {
          token: new URL(link).searchParams.get('token') ?? '',
        });
        const challenge = await client.get('/console/mfa');
        const reply = await client.submit(challenge, '/console/mfa', { recovery_code: code.toUpperCase() });
        assert.equal(reply.status, expected);
      }
    });

    test('passkey ceremonies refuse forged or unchallenged responses', async () => {
      const client = await session();
      const page = await client.get('/console/security');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
      const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const post = (path: string, body: unknown, token = csrf) =>
        send(h.baseUrl, path, {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': token },
          body: JSON.stringify(body),
        });
      assert.equal((await post('/console/security/passkeys/options', {}, 'wrong')).status, 403);
      const options = await post('/console/security/passkeys/options', {});
      assert.equal(options.status, 200);
      assert.equal(options.body.rp && (options.body.rp as { id: string }).id, '127.0.0.1');
      const forged = await post('/console/security/passkeys', {
        name: 'forged',
        response: {
          id: 'AAAA',
          rawId: 'AAAA',
          type: 'public-key',
          response: { clientDataJSON: 'e30', attestationObject: 'oA' },
        },
      });
      assert.equal(forged.status, 400);
      assert.match(String(forged.body.message), /could not be verified/);
      // The challenge was spent by the failed attempt: replaying the ceremony needs a new one.
      const again = await post('/console/security/passkeys', { name: 'forged', response: {} });
      assert.equal(again.status, 400);
    });

    test('team: roles change at once, the last owner stays, removed users are signed out', async () => {
      const client = await session();
      const team = await client.get('/console/team');
      await client.submit(team, '/console/team', { email: 'dev@flows-a.example', role: 'developer' });
      clock += 16 * MINUTE;
      const dev = await signIn(h.baseUrl, dataDir, 'dev@flows-a.example', now);
      assert.equal((await dev.client.get('/console/keys')).status, 200);
      assert.equal((await dev.client.get('/console/team')).status, 403);
      assert.equal((await dev.client.get('/console/audit')).status, 403);

      const ownerClient = await session();
      const page = await ownerClient.get('/console/team');
      const users = await h.admin('GET', `/admin/v1/partners/${h.a.id}/users`);
      const byEmail = new Map(
        (users.body.data as Array<{ id: string; email: string }>).map((u) => [u.email, u.id]),
      );
      const ownerId = byEmail.get(owner) ?? '';
      const developerId = byEmail.get('dev@flows-a.example') ?? '';

      const demoteSelf = await ownerClient.submit(page, `/console/team/${ownerId}/role`, {
        role: 'developer',
      });
      assert.equal(demoteSelf.status, 409);
      assert.match(demoteSelf.text, /at least one owner/);
      const removeSelf = await ownerClient.submit(page, `/console/team/${ownerId}/remove`);
      assert.equal(removeSelf.status, 409);

      const promoted = await ownerClient.submit(page, `/console/team/${developerId}/role`, {
        role: 'auditor',
      });
      assert.equal(promoted.status, 303);
      assert.equal(
        (await dev.client.get('/console/keys')).location,
        '/console/login',
        'a role change ends sessions',
      );

      const removed = await ownerClient.submit(page, `/console/team/${developerId}/remove`);
      assert.equal(removed.status, 303);
      const list = await h.admin('GET', `/admin/v1/partners/${h.a.id}/users`);
      assert.deepEqual(
        (list.body.data as Array<{ email: string }>).map((u) => u.email),
        [owner],
      );
      const audit = await h.tessera.db.query<{ action: string }>(
        `SELECT action FROM audit_events WHERE partner_id = $1 AND action LIKE 'user.%' ORDER BY seq`,
        [h.a.id],
      );
      assert.deepEqual(
        audit.map((r) => r.action),
        ['user.invited', 'user.invited', 'user.role_changed', 'user.removed'],
      );
    });

    test('inviting an address with an account at another partner answers like any invite and mails it', async () => {
      const elsewhere = 'owner@other-partner.example';
      assert.equal(
        (await h.admin('POST', `/admin/v1/partners/${h.b.id}/users`, { email: elsewhere, role: 'owner' }))
          .status,
        201,
      );
      const client = await session();
      const team = await client.get('/console/team');
      const fresh = await client.submitAndFollow(team, '/console/team', {
        email: 'new@flows-a.example',
        role: 'auditor',
      });
      const taken = await client.submitAndFollow(team, '/console/team', {
        email: elsewhere,
        role: 'auditor',
      });
      assert.equal(fresh.status, taken.status);
      assert.match(fresh.text, /new@flows-a\.example is invited as auditor\./);
      assert.match(taken.text, /owner@other-partner\.example is invited as auditor\./);
      const users = await h.tessera.db.query<{ partner_id: string }>(
        'SELECT partner_id FROM console_users WHERE lower(email) = $1',
        [elsewhere],
      );
      assert.deepEqual(
        users.map((u) => u.partner_id),
        [h.b.id],
        'no second account',
      );
      const mails = readdirSync(join(dataDir, 'outbox')).map(
        (file) =>
          JSON.parse(readFileSync(join(dataDir, 'outbox', file), 'utf8')) as { to: string; text: string },
      );
      for (let i = 0; i < 100 && !mails.some((m) => m.to === elsewhere); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        mails.splice(
          0,
          mails.length,
          ...readdirSync(join(dataDir, 'outbox')).map(
            (file) =>
              JSON.parse(readFileSync(join(dataDir, 'outbox', file), 'utf8')) as { to: string; text: string },
          ),
        );
      }
      assert.ok(mails.some((m) => m.to === elsewhere && /already has a console account/.test(m.text)));
    });

    test('a user revokes another of their sessions from the Security page', async () => {
      const laptop = await session();
      const phone = await session();
      const page = await laptop.get('/console/security');
      const others = [...page.text.matchAll(/name="id" value="([0-9a-f]{64})"/g)].map((m) => m[1] ?? '');
      assert.ok(others.length >= 1);
      for (const id of others) {
        const reply = await laptop.submit(page, '/console/security/sessions/revoke', { id });
        assert.equal(reply.location, '/console/security');
      }
      assert.equal((await phone.get('/console/keys')).location, '/console/login');
      assert.equal((await laptop.get('/console/keys')).status, 200, 'the current session stays');
      const foreign = await laptop.submit(page, '/console/security/sessions/revoke', { id: 'f'.repeat(64) });
      assert.equal(foreign.status, 404);
    });

    test('"sign out other sessions" ends every session but this one, and says how many', async () => {
      // Three live sessions at once: one 30-second TOTP step apart (a code works once), well inside idle time.
      const phone = await session();
      const step = async () => {
        clock += 31_000;
        return (await signIn(h.baseUrl, dataDir, owner, now, ownerSecret)).client;
      };
      const tablet = await step();
      const laptop = await step();
      assert.equal((await phone.get('/console/keys')).status, 200, 'the phone is signed in');
      const page = await laptop.get('/console/security');
      assert.match(page.text, /Sign out other sessions/);
      const done = await laptop.submitAndFollow(page, '/console/security/sessions/revoke-others');
      const count = Number(/Signed out of (\d+) other session\(s\)\./.exec(done.text)?.[1]);
      assert.ok(
        count >= 2,
        `phone and tablet at least (earlier tests' sessions may still be live): ${count}`,
      );
      assert.equal((await phone.get('/console/keys')).location, '/console/login');
      assert.equal((await tablet.get('/console/keys')).location, '/console/login');
      assert.equal((await laptop.get('/console/keys')).status, 200, 'the current session stays');
    });

    test('housekeeping purges expired links, sessions and throttle windows', async () => {
      const count = async (table: string) =>
        (await h.tessera.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n ?? 0;
      assert.ok((await count('console_magic_links')) > 0);
      const later = clock + 8 * 24 * 3_600_000;
      const [job] = consoleJobs({
        db: h.tessera.db,
        config: testConfig(),
        now: () => later,
        logger: createLogger('silent'),
        auditWriter: h.tessera.auditWriter,
        argon2Cost: TEST_ARGON2_COST,
      });
      await job?.run();
      for (const table of ['console_magic_links', 'console_sessions', 'console_throttle']) {
        assert.equal(await count(table), 0, table);
      }
    });

    // Last: it retires this node's audit signing key.
    test("while a rotation retires the node's audit signing key, a manifest download says to try again", async () => {
      const client = await session();
      const period = new URLSearchParams({
        from: new Date(clock - 60 * MINUTE).toISOString(),
        to: new Date(clock).toISOString(),
        format: 'jsonl',
      });
      const manifest = `/console/audit/export/manifest?${period}`;
      assert.equal((await client.get(manifest)).status, 200, "the node's key signs");
      const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
      const newer = signingKeyFromPem(pem.toString());
      assert.equal(await publishSigningKey(h.tessera.db, newer, new Date(clock)), 'current');
      const refused = await client.get(manifest);
      assert.equal(refused.status, 503);
      assert.match(refused.text, /Temporarily unavailable/);
      assert.match(refused.text, /Nothing was changed/);
      assert.doesNotMatch(refused.text, /retired|SIGNING_KEY|quote reference/i);
    });
  });
}
