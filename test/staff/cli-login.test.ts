// `tessera login` against a real OpenID Provider started here (oidc-provider): authorization code with
// PKCE and a loopback redirect, the tokens kept with mode 0600, then `tessera partner list` with the
// personal token and an audit event naming that person; `tessera logout` forgets the tokens. Staff access
// tokens from the provider are also checked for MFA and role on the admin API.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliRunner } from '../cli/run-cli.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { BrowserAgent } from './browser-agent.ts';
import { CONSOLE_CLIENT, STAFF_AUDIENCE, startProvider, type TestProvider } from './oidc-provider.ts';

async function waitFor<T>(probe: () => T | undefined, what: string, deadlineMs = 10_000): Promise<T> {
  const end = performance.now() + deadlineMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

for (const target of databaseTargets()) {
  describe(`tessera login with a real OpenID Provider (${target})`, () => {
    let h: Harness;
    let provider: TestProvider;
    let home: string;

    before(async () => {
      provider = await startProvider('http://127.0.0.1:1/staff/callback');
      h = await startHarness(target, {
        env: {
          TESSERA_STAFF_OIDC_ISSUER: provider.issuer,
          TESSERA_STAFF_OIDC_CLIENT_ID: CONSOLE_CLIENT.id,
          TESSERA_STAFF_OIDC_AUDIENCE: STAFF_AUDIENCE,
        },
      });
      home = mkdtempSync(join(tmpdir(), 'tessera-login-'));
    });
    after(async () => {
      await h?.close();
      await provider?.close();
      if (home) rmSync(home, { recursive: true, force: true });
    });

    /** Runs `tessera login` as `user`, signing in through the provider's page. */
    const loginAs = async (user: string) => {
      let stderr = '';
      const io = {
        stdout: { write: () => true },
        stderr: { write: (text: string) => (stderr += text) },
        env: { HOME: home, TESSERA_STAFF_OIDC_ISSUER: provider.issuer },
      };
      const { main } = await import('../../cli/main.ts');
      const running = main(['login'], io);
      const url = await waitFor(() => /^(http\S+\/auth\?\S+)$/m.exec(stderr)?.[1], 'the sign-in URL');
      const end = await new BrowserAgent().signIn(url, user);
      assert.equal(end.status, 200, end.text);
      return running;
    };

    test('login keeps the tokens with mode 0600; partner list runs as that person; logout forgets', async () => {
      assert.equal(await loginAs('oli'), 0);
      const file = join(home, '.config', 'tessera', 'credentials.json');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(statSync(join(home, '.config', 'tessera')).mode & 0o777, 0o700);

      const tessera = cliRunner({ HOME: home, TESSERA_URL: h.baseUrl });
      const listed = await tessera('partner', 'list', '--json');
      assert.equal(listed.code, 0, listed.stderr);
      const [event] = await h.tessera.db.query<{
        actor_type: string;
        actor_id: string;
        detail: Record<string, unknown>;
      }>(
        `SELECT actor_type, actor_id, detail FROM audit_events
          WHERE action = 'admin.request' AND path = '/admin/v1/partners' ORDER BY seq DESC LIMIT 1`,
      );
      assert.equal(event?.actor_type, 'staff');
      assert.equal(event?.actor_id, 'oli@ops.example');
      assert.equal(event?.detail.staff_subject, 'u-oli');
      assert.equal(event?.detail.staff_issuer, provider.issuer);
      assert.equal(event?.detail.staff_role, 'tessera-operator');
      assert.equal(event?.detail.channel, 'cli');

      const out = await tessera('logout', '--json');
      assert.equal(out.code, 0);
      const after = await tessera('partner', 'list', '--json');
      assert.equal(after.code, 1);
      assert.equal(JSON.parse(after.stderr).error.code, 'admin.token.missing');
    });

    test("the provider's tokens without MFA or without a Tessera role are refused", async () => {
      assert.equal(await loginAs('nomfa'), 0);
      const tessera = cliRunner({ HOME: home, TESSERA_URL: h.baseUrl });
      assert.equal(
        JSON.parse((await tessera('partner', 'list', '--json')).stderr).error.code,
        'staff.mfa_required',
      );
      assert.equal(await loginAs('norole'), 0);
      assert.equal(
        JSON.parse((await tessera('partner', 'list', '--json')).stderr).error.code,
        'staff.forbidden',
      );
      assert.equal(await loginAs('aud'), 0);
      const created = await tessera('partner', 'create', '--name', 'Auditors Cannot', '--json');
      assert.equal(JSON.parse(created.stderr).error.code, 'staff.forbidden');
      assert.equal((await tessera('partner', 'list', '--json')).code, 0);
    });
  });
}
