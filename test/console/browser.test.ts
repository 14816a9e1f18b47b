// End to end in headless Chromium: an owner invited through the admin API signs in through the outbox
// link, enrols TOTP, creates a live key and calls /v1/me with it, revokes it and sees the next call
// refused, sets an allowlist and sees a request from outside refused, adds a passkey and signs in with it,
// exports the audit log and verifies it with the CLI; an auditor cannot change anything. Screenshots of
// every page are taken on every run; they replace the committed ones in docs/console/ only when
// TESSERA_UPDATE_SCREENSHOTS=1, so a test run does not rewrite tracked files.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { main as cli } from '../../cli/main.ts';
import { Actor } from '../../src/actor.ts';
import { appendAuditEvents } from '../../src/audit/append.ts';
import type { AuditEventInput } from '../../src/audit/event.ts';
import { send } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { freePort } from '../support/ports.ts';
import { codeAt, linkFor, tempDataDir } from './support.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = process.env.TESSERA_UPDATE_SCREENSHOTS
  ? new URL('../../docs/console/', import.meta.url).pathname
  : mkdtempSync(join(tmpdir(), 'tessera-screenshots-'));
after(() => {
  if (!process.env.TESSERA_UPDATE_SCREENSHOTS) rmSync(SHOTS, { recursive: true, force: true });
});
const OWNER = 'ops-lead@bank-a.example';
const AUDITOR = 'internal-audit@bank-a.example';

/** Four weeks of plausible traffic, as the pipeline would have recorded it, so the charts have a shape. */
async function seedUsageHistory(h: Harness, prefixes: readonly string[]): Promise<void> {
  const actor = new Actor('key', null);
  const events: AuditEventInput[] = [];
  for (let day = 27; day >= 1; day--) {
    for (const [k, prefix] of prefixes.entries()) {
      const count = 20 + ((day * 7 + k * 13) % 25);
      for (let i = 0; i < count; i++) {
        const failed = (i + day) % 17 === 0;
        events.push({
          ...actor.event('api.request', { partnerId: h.a.id, environment: 'live' }),
          occurredAt: new Date(Date.now() - day * 86_400_000 + i * 60_000),
          actorId: prefix,
          method: 'GET',
          path: '/v1/quotes',
          status: failed ? 429 : 200,
          errorCode: failed ? 'rate_limit.exceeded' : null,
          latencyMs: 40 + ((i * 37 + day * 11) % 90) + (i % 20 === 0 ? 250 : 0),
        });
      }
    }
  }
  await h.tessera.db.transaction((tx) => appendAuditEvents(tx, events));
}

const [target] = databaseTargets();
const skip = existsSync(CHROMIUM)
  ? false
  : `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`;

describe(`console in a browser (${target})`, { skip }, () => {
  let h: Harness;
  let browser: Browser;
  let base: string;
  const dataDir = tempDataDir();

  before(async () => {
    const port = await freePort();
    // WebAuthn refuses IP addresses as relying party ids, so the console is addressed as localhost.
    base = `http://localhost:${port}`;
    h = await startHarness(target ?? 'pglite', {
      env: { PORT: String(port), TESSERA_CONSOLE_URL: base, TESSERA_DATA_DIR: dataDir },
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
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  async function signInWithLink(
    context: BrowserContext,
    email: string,
    screenshots: boolean,
    reuse?: Page,
  ): Promise<Page> {
    const page = reuse ?? (await context.newPage());
    if (!reuse) page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${base}/console/login`);
    if (screenshots) await shot(page, 'login');
    await page.getByLabel('Email address').fill(email);
    const requested = Date.now();
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await page.goto(await linkFor(dataDir, email, requested));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/console\/mfa/);
    return page;
  }

  async function enrolTotp(page: Page, screenshots: boolean): Promise<string> {
    await page.waitForURL(/\/console\/mfa\/enrol/);
    if (screenshots) await shot(page, 'mfa-enrol');
    const secret = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s/g, '');
    await page.getByLabel('6-digit code').fill(codeAt(secret, Date.now()));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Your second factor is set up' }).waitFor();
    if (screenshots) await shot(page, 'recovery-codes');
    await page.getByRole('link', { name: 'Continue to the console' }).click();
    return secret;
  }

  test('an owner runs the integration from the console', async () => {
    const invited = await h.admin('POST', `/admin/v1/partners/${h.a.id}/users`, {
      email: OWNER,
      role: 'owner',
    });
    assert.equal(invited.status, 201);
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await signInWithLink(context, OWNER, true);
    await enrolTotp(page, true);
    await page.waitForURL(/\/console\/keys/);

    // A live key: created, shown once, working, then revoked and refused on the very next call.
    await page.getByRole('link', { name: 'Live' }).click();
    await page.getByLabel(/^Name/).fill('Booking engine');
    for (const scope of ['quotes:write', 'bookings:write']) await page.getByLabel(scope).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = ((await page.locator('output#new-key').textContent()) ?? '').trim();
    assert.match(key, /^sk_live_[A-Za-z0-9]{8}_[A-Za-z0-9]{48}$/);
    await shot(page, 'key-created');
    const me = await send(h.baseUrl, '/v1/me', { headers: { authorization: `Bearer ${key}` } });
    assert.equal(me.status, 200);
    const prefix = key.split('_')[2] ?? '';
    await page.goto(`${base}/console/keys?env=live`);
    assert.equal(await page.locator('output#new-key').count(), 0, 'the key is never shown again');
    // Several keys, as a real integration has them, for the screenshots.
    await h.createKey(h.a.id, 'live', {
      name: 'Reporting (read only)',
      scopes: ['quotes:read', 'bookings:read'],
    });
    await h.createKey(h.a.id, 'live', {
      name: 'Partner back office',
      scopes: ['bookings:read', 'bookings:write'],
    });
    await page.reload();
    await page.getByRole('button', { name: `Revoke key ${prefix}` }).click();
    await page.getByText(`Key ${prefix} is revoked`).waitFor();
    await shot(page, 'keys');
    const refused = await send(h.baseUrl, '/v1/me', { headers: { authorization: `Bearer ${key}` } });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.code, 'auth.api_key.invalid');

    // The allowlist: empty live is warned about; allowing only 10.0.0.0/8 refuses this 127.0.0.1 caller.
    await page.goto(`${base}/console/allowlist?env=live`);
    await page.getByText('Live accepts requests from any IP address').waitFor();
    await page.getByLabel(/^Address or range/).fill('10.0.0.0/300');
    await page.getByRole('button', { name: 'Add entry' }).click();
    await page.getByText('has a prefix length over 32').waitFor();
    await page.getByLabel(/^Address or range/).fill('10.1.2.3/8');
    await page.getByRole('button', { name: 'Add entry' }).click();
    await page.getByText('did you mean 10.0.0.0/8').waitFor();
    await page.getByLabel(/^Address or range/).fill('10.0.0.0/8');
    await page.getByLabel(/^Note/).fill('Datacentre egress');
    await page.getByRole('button', { name: 'Add entry' }).click();
    await page.getByRole('cell', { name: '10.0.0.0/8', exact: true }).waitFor();
    await page.getByLabel(/^Address or range/).fill('2001:db8::/32');
    await page.getByRole('button', { name: 'Add entry' }).click();
    await page.getByRole('cell', { name: '2001:db8::/32', exact: true }).waitFor();
    await shot(page, 'allowlist');
    let outside = await h.a.live.get('/v1/me');
    for (let i = 0; i < 50 && outside.status === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      outside = await h.a.live.get('/v1/me');
    }
    assert.equal(outside.status, 403);
    assert.equal(outside.body.code, 'auth.ip.forbidden');
    assert.equal((await h.a.test.get('/v1/me')).status, 200, 'test has its own (empty) list');

    await seedUsageHistory(h, [h.a.keys.live.prefix, prefix]);
    await page.goto(`${base}/console/usage?env=live`);
    await page.getByRole('cell', { name: h.a.keys.live.prefix, exact: true }).waitFor();
    await page.locator('svg.chart').first().waitFor();
    await shot(page, 'usage');

    await page.goto(`${base}/console/team`);
    await page.getByLabel('Email address').fill(AUDITOR);
    await page.getByLabel('Role', { exact: true }).selectOption('auditor');
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.getByText(`${AUDITOR} is invited as auditor`).waitFor();
    await shot(page, 'team');

    // A passkey as an additional factor, through Chromium's virtual authenticator.
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
      },
    });
    await page.goto(`${base}/console/security`);
    await page.getByLabel('Passkey name').fill('Laptop passkey');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText(/Laptop passkey — added/).waitFor();
    await shot(page, 'security');

    // Audit log and export, verified offline with the CLI.
    await page.goto(`${base}/console/audit`);
    await page.setViewportSize({ width: 1440, height: 900 });
    await shot(page, 'audit');
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.getByLabel('Status').fill('401');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('cell', { name: 'auth.api_key.invalid', exact: true }).first().waitFor();
    await shot(page, 'audit-filtered');
    // An export ends two seconds in the past (events still committing are left out); let the seeded ones settle.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    // From the day before: the events seeded before a midnight (UTC) that falls during the test stay inside.
    const utcDay = (offsetDays: number) =>
      new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
    await page.locator('#export-from').fill(utcDay(-1));
    await page.locator('#export-to').fill(utcDay(0));
    await page.getByRole('button', { name: 'Prepare export' }).click();
    await page.getByRole('heading', { name: 'Audit export ready' }).waitFor();
    await shot(page, 'audit-export');
    const command = ((await page.locator('#verify-command').textContent()) ?? '').trim();
    const [, fileName = '', keysName = ''] = /^tessera audit verify (\S+) --keys (\S+)$/.exec(command) ?? [];
    assert.ok(fileName && keysName, command);
    const exportPath = join(dataDir, fileName);
    const [file, manifest] = await Promise.all([
      page.waitForEvent('download').then(async (d) => d.saveAs(exportPath)),
      page.getByRole('button', { name: 'Download the export' }).click(),
    ]);
    void file;
    void manifest;
    const [savedManifest] = await Promise.all([
      page.waitForEvent('download').then(async (d) => d.saveAs(`${exportPath}.manifest.json`)),
      page.getByRole('link', { name: 'Download its manifest' }).click(),
    ]);
    void savedManifest;
    let out = '';
    const io = {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (out += t) },
      env: {},
    };
    // As an auditor must: trust only the keys Tessera publishes, saved from its well-known document next to
    // the export, and given to the verifier with --keys (without them the verdict is "unverified").
    const keysUrl = await page.locator('#audit-keys').getAttribute('href');
    assert.equal(keysUrl, `${base}/.well-known/tessera-audit-keys.json`);
    const keysFile = join(dataDir, keysName);
    const published = await send(base, '/.well-known/tessera-audit-keys.json');
    assert.equal(published.status, 200, published.text);
    writeFileSync(keysFile, published.text);
    assert.equal(await cli(['audit', 'verify', exportPath, '--json'], io), 3, 'no trusted keys: unverified');
    out = '';
    const status = await cli(['audit', 'verify', exportPath, '--keys', keysFile, '--json'], io);
    assert.equal(status, 0, out);
    const report = JSON.parse(out) as { ok: boolean; verdict: string; keys_source: string; events: number };
    assert.equal(report.verdict, 'verified', out);
    assert.equal(report.keys_source, keysFile, out);
    assert.equal(report.ok, true, out);
    assert.ok(report.events > 1000, `the export holds the whole day: ${report.events} events`);
    const tampered = readFileSync(exportPath, 'utf8').replace('"status":200', '"status":201');
    writeFileSync(exportPath, tampered);
    assert.equal(
      await cli(['audit', 'verify', exportPath, '--keys', keysFile, '--json'], io),
      1,
      'an altered export fails',
    );

    // The same page on a phone-sized screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/console/keys?env=live`);
    await shot(page, 'keys-mobile');
    await page.setViewportSize({ width: 1280, height: 860 });

    // Signing out, then in again with the passkey instead of a code.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    // The virtual authenticator belongs to this tab, so the sign-in happens in it.
    await signInWithLink(context, OWNER, false, page);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL(/\/console\/keys/, { timeout: 10_000 }).catch(async (error: unknown) => {
      throw new Error(`passkey sign-in: ${(await page.locator('#passkey-status').textContent()) ?? ''}`, {
        cause: error,
      });
    });
    await context.close();
  });

  test('an auditor reads the audit log and cannot change anything', async () => {
    const users = await h.admin('GET', `/admin/v1/partners/${h.a.id}/users`);
    if (!JSON.stringify(users.body).includes(AUDITOR)) {
      await h.admin('POST', `/admin/v1/partners/${h.a.id}/users`, { email: AUDITOR, role: 'auditor' });
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await signInWithLink(context, AUDITOR, false);
    await enrolTotp(page, false);
    await page.waitForURL(/\/console\/audit/);
    const nav = await page.getByRole('navigation', { name: 'Console' }).getByRole('link').allTextContents();
    assert.deepEqual(nav, ['Audit log', 'Security']);
    const forms = await page
      .locator('form[method="post"]')
      .evaluateAll((els) => els.map((f) => f.getAttribute('action')));
    assert.deepEqual(forms, ['/console/logout'], 'no state-changing form but sign-out');
    await shot(page, 'audit-auditor');
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    for (const path of ['/console/keys', '/console/allowlist', '/console/team']) {
      const reply = await context.request.post(`${base}${path}`, {
        form: {
          _csrf: csrf,
          environment: 'live',
          name: 'x',
          scopes: 'quotes:read',
          cidr: '0.0.0.0/0',
          email: 'x@y.example',
          role: 'owner',
        },
      });
      assert.equal(reply.status(), 403, path);
      assert.match(await reply.text(), /Not allowed/);
    }
    const keys = await context.request.get(`${base}/console/keys`);
    assert.equal(keys.status(), 403);
    await context.close();
  });

  test('no page carries more than 100 KB of script', async () => {
    const script = await send(h.baseUrl, '/console/assets/console.js');
    assert.ok(script.text.length < 100 * 1024, `${script.text.length} bytes`);
  });
});
