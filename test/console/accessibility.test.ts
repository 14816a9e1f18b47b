// axe-core over every page type of the console, in headless Chromium: no violation of impact serious or
// critical (scrollable regions must be focusable, forms labelled, contrast sufficient, and so on).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { freePort } from '../support/ports.ts';
import {
  DESKTOP,
  enrolTotp,
  launchChromium,
  PHONE,
  seriousViolations,
  signInWithLink,
  skipWithoutChromium,
} from './browser-support.ts';
import { linkFor, tempDataDir } from './support.ts';

const [target] = databaseTargets();
const OWNER = 'a11y-owner@bank-a.example';

describe(`console accessibility (${target})`, { skip: skipWithoutChromium }, () => {
  let h: Harness;
  let browser: Browser;
  let base: string;
  let offsetMs = 0;
  const clock = () => Date.now() + offsetMs;
  const dataDir = tempDataDir();
  const failures: string[] = [];

  before(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    h = await startHarness(target ?? 'pglite', {
      now: clock,
      env: { PORT: String(port), TESSERA_CONSOLE_URL: base, TESSERA_DATA_DIR: dataDir },
    });
    browser = await launchChromium();
    await h.admin('POST', `/admin/v1/partners/${h.a.id}/users`, { email: OWNER, role: 'owner' });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  async function check(page: Page, name: string): Promise<void> {
    for (const violation of await seriousViolations(page)) {
      const where = violation.nodes.map((n) => n.target.join(' ')).join(', ');
      failures.push(`${name}: ${violation.id} (${violation.impact}) ${violation.help} at ${where}`);
    }
  }

  test('every page type, at desktop and phone sizes, has no serious or critical axe violation', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${base}/console/login`);
    await check(page, 'login');
    await page.getByLabel('Email address').fill(OWNER);
    const at = clock();
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await check(page, 'link sent');
    await page.goto(await linkFor(dataDir, OWNER, at));
    await check(page, 'link confirmation');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/console\/mfa\/enrol/);
    await check(page, 'TOTP enrolment');
    await enrolTotp(page, clock);
    await check(page, 'recovery codes');

    const pages: Array<[string, string]> = [
      ['keys', '/console/keys?env=test'],
      ['allowlist', '/console/allowlist?env=live'],
      ['audit log', '/console/audit'],
      ['usage', '/console/usage?env=live'],
      ['team', '/console/team'],
      ['security', '/console/security'],
      ['not found', '/console/nowhere'],
    ];
    for (const viewport of [DESKTOP, PHONE]) {
      await page.setViewportSize(viewport);
      for (const [name, path] of pages) {
        await page.goto(`${base}${path}`);
        await check(page, `${name} at ${viewport.width} px`);
      }
    }
    await page.setViewportSize(DESKTOP);

    await page.goto(`${base}/console/keys?env=test`);
    await page.getByLabel(/^Name/).fill('Accessibility probe');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.locator('output#new-key').waitFor();
    await check(page, 'key created');

    await page.goto(`${base}/console/allowlist?env=live`);
    await page.getByLabel(/^Address or range/).fill('192.0.2.0/24');
    await page.getByRole('button', { name: 'Add entry' }).click();
    await page.getByRole('button', { name: 'Remove 192.0.2.0/24 (live)' }).click();
    await page.getByRole('heading', { name: 'Open live to every address?' }).waitFor();
    await check(page, 'removal confirmation');

    offsetMs += 3_000;
    await page.goto(`${base}/console/audit`);
    const today = new Date(clock()).toISOString().slice(0, 10);
    await page.locator('#export-from').fill(today);
    await page.locator('#export-to').fill(today);
    await page.getByRole('button', { name: 'Prepare export' }).click();
    await page.getByRole('heading', { name: 'Audit export ready' }).waitFor();
    await check(page, 'export ready');

    offsetMs += 11 * 60_000;
    await page.goto(`${base}/console/security`);
    await check(page, 'security with step-up form');
    await page.getByRole('button', { name: 'Generate new recovery codes' }).click();
    await page.getByRole('heading', { name: "Confirm it's you" }).waitFor();
    await check(page, 'step-up');

    await page.getByRole('button', { name: 'Sign out' }).click();
    const again = await signInWithLink(context, { base, dataDir, clock }, OWNER, page);
    await check(again, 'second-factor challenge');
    await context.close();
    assert.deepEqual(failures, []);
  });
});
