// The staff console in headless Chromium against a real OpenID Provider (oidc-provider): an admin signs in
// through the provider's page and suspends a partner (its key then gets 403 partner.suspended); an operator
// asks for an MFA reset; a second admin approves it; an auditor sees all three people in the audit log.
// With TESSERA_UPDATE_SCREENSHOTS=1 the screenshots of each staff page are written to docs/staff/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { freePort } from '../support/ports.ts';
import {
  CONSOLE_CLIENT,
  PASSWORD,
  STAFF_AUDIENCE,
  startProvider,
  type TestProvider,
} from './oidc-provider.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = process.env.TESSERA_UPDATE_SCREENSHOTS
  ? new URL('../../docs/staff/', import.meta.url).pathname
  : mkdtempSync(join(tmpdir(), 'tessera-staff-screenshots-'));
after(() => {
  if (!process.env.TESSERA_UPDATE_SCREENSHOTS) rmSync(SHOTS, { recursive: true, force: true });
});

const [target] = databaseTargets();
const skip = existsSync(CHROMIUM) ? false : `Chromium is not installed at ${CHROMIUM}`;

describe(`staff console in a browser (${target})`, { skip }, () => {
  let h: Harness;
  let provider: TestProvider;
  let browser: Browser;
  let base: string;

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startProvider(`${base}/staff/callback`);
    h = await startHarness(target ?? 'pglite', {
      env: {
        PORT: String(port),
        TESSERA_STAFF_OIDC_ISSUER: provider.issuer,
        TESSERA_STAFF_OIDC_CLIENT_ID: CONSOLE_CLIENT.id,
        TESSERA_STAFF_OIDC_CLIENT_SECRET: CONSOLE_CLIENT.secret,
        TESSERA_STAFF_OIDC_REDIRECT_URL: `${base}/staff/callback`,
        TESSERA_STAFF_OIDC_AUDIENCE: STAFF_AUDIENCE,
      },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
    await provider?.close();
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  async function signIn(user: string, screenshot = false): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/staff/login`);
    if (screenshot) await shot(page, 'provider-sign-in');
    await page.getByLabel('User').fill(user);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/staff`);
    return page;
  }

  test('suspend, four-eyes MFA reset, and three people in the audit log', async () => {
    const refused = await (await browser.newContext()).newPage();
    await refused.goto(`${base}/staff/login`);
    await refused.getByLabel('User').fill('nomfa');
    await refused.getByLabel('Password').fill(PASSWORD);
    await refused.getByRole('button', { name: 'Sign in' }).click();
    await refused.getByRole('heading', { name: 'A second factor is required' }).waitFor();
    await shot(refused, 'refused-without-mfa');

    const ada = await signIn('ada', true);
    await shot(ada, 'partners');
    await ada.getByRole('link', { name: 'Partner A Bank' }).click();
    await ada.getByLabel('Reason').fill('fraud review');
    await ada.getByRole('button', { name: 'Suspend' }).click();
    await ada.getByText('Suspended since').waitFor();
    const key = await h.a.live.get('/v1/me');
    assert.equal(key.status, 403);
    assert.equal(key.body.code, 'partner.suspended');

    const invited = await h.admin('POST', `/admin/v1/partners/${h.b.id}/users`, {
      email: 'owner@partner-b.example',
      role: 'owner',
    });
    const oli = await signIn('oli');
    await oli.getByRole('link', { name: 'Partner B Insurance' }).click();
    await shot(oli, 'partner');
    await oli.getByRole('button', { name: 'Request MFA reset' }).click();
    await oli.getByText('reset the second factors of owner@partner-b.example').waitFor();
    assert.equal(await oli.getByRole('button', { name: 'Approve' }).count(), 0, 'an operator cannot approve');

    const bob = await signIn('bob');
    await bob.goto(`${base}/staff/approvals`);
    await shot(bob, 'approvals');
    await bob.getByRole('button', { name: 'Approve' }).first().click();
    await bob.getByRole('cell', { name: 'approved' }).first().waitFor();
    const [reset] = await h.tessera.db.query<{ actor_id: string; detail: Record<string, unknown> }>(
      `SELECT actor_id, detail FROM audit_events WHERE action = 'user.mfa_reset' AND detail->>'user_id' = $1`,
      [String(invited.body.id)],
    );
    assert.equal(reset?.actor_id, 'bob@ops.example');

    const auditor = await signIn('aud');
    await auditor.goto(`${base}/staff/audit`);
    for (const email of ['ada@ops.example', 'oli@ops.example', 'bob@ops.example']) {
      assert.ok((await auditor.content()).includes(email), `${email} in the audit log`);
    }
    await shot(auditor, 'audit');
    await ada.goto(`${base}/staff/sessions`);
    await shot(ada, 'sessions');
  });
});
