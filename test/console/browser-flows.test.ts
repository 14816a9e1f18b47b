// Issue 15 in headless Chromium, at desktop and phone sizes: recovery codes copied one per line and
// downloadable (1), Post/Redirect/Get and revoking twice (3), the allowlist (4), safe key defaults and a
// forged environment (6), a readable audit log (7), inline validation and "Lost your device?" (9), the
// export as a POST (10), magic links spending each other (11), roll with overlap (12) and step-up (13).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PartnerClient } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, type SeededPartner, startHarness } from '../support/harness.ts';
import { freePort } from '../support/ports.ts';
import {
  DESKTOP,
  enrolTotp,
  launchChromium,
  PHONE,
  signInWithLink,
  skipWithoutChromium,
  WIDE,
} from './browser-support.ts';
import { codeAt, linkFor, tempDataDir } from './support.ts';

const [target] = databaseTargets();

/** The CIDR cells showing exactly this entry (by text: on a phone each cell also carries its column name). */
function entryCells(page: Page, cidr: string) {
  const exact = new RegExp(`^${cidr.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
  return page.locator('td[data-label="CIDR"] code').filter({ hasText: exact });
}

interface Seat {
  size: 'desktop' | 'phone';
  viewport: { width: number; height: number };
  email: string;
  partner: () => SeededPartner;
  context?: BrowserContext;
  page?: Page;
  secret?: string;
}

describe(`issue 15 in a browser (${target})`, { skip: skipWithoutChromium }, () => {
  let h: Harness;
  let browser: Browser;
  let base: string;
  let offsetMs = 0;
  const clock = () => Date.now() + offsetMs;
  const dataDir = tempDataDir();
  const seats: Seat[] = [
    { size: 'desktop', viewport: DESKTOP, email: 'owner-desk@bank-a.example', partner: () => h.a },
    { size: 'phone', viewport: PHONE, email: 'owner-phone@bank-b.example', partner: () => h.b },
  ];
  const env = () => ({ base, dataDir, clock });
  const pageOf = (seat: Seat): Page => {
    if (!seat.page) throw new Error(`${seat.size} is not signed in`);
    return seat.page;
  };
  const count = async (sql: string, params: unknown[]) =>
    (await h.tessera.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params))[0]?.n ?? -1;
  const noSidewaysScroll = (page: Page) =>
    page.evaluate('document.documentElement.scrollWidth <= window.innerWidth') as Promise<boolean>;

  before(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    h = await startHarness(target ?? 'pglite', {
      now: clock,
      env: { PORT: String(port), TESSERA_CONSOLE_URL: base, TESSERA_DATA_DIR: dataDir },
    });
    browser = await launchChromium();
    for (const seat of seats) {
      const invited = await h.admin('POST', `/admin/v1/partners/${seat.partner().id}/users`, {
        email: seat.email,
        role: 'owner',
      });
      assert.equal(invited.status, 201);
    }
  });
  after(async () => {
    for (const seat of seats) await seat.context?.close();
    await browser?.close();
    await h?.close();
  });

  test('1: recovery codes are copied one per line and download as a .txt file', async () => {
    for (const seat of seats) {
      seat.context = await browser.newContext({ viewport: seat.viewport });
      seat.context.setDefaultTimeout(10_000);
      const page = await signInWithLink(seat.context, env(), seat.email);
      seat.page = page;
      seat.secret = await enrolTotp(page, clock);
      const shown = (await page.locator('#recovery-codes li').allTextContents()).map((c) => c.trim());
      assert.equal(shown.length, 10);
      // Headless Chromium has no system clipboard: record what the page writes to it instead.
      await page.evaluate(
        'navigator.clipboard.writeText = (text) => { window.copiedText = text; return Promise.resolve(); }',
      );
      await page.getByRole('button', { name: 'Copy codes' }).click();
      await page.getByRole('button', { name: 'Copied' }).waitFor();
      const copied = (await page.evaluate('window.copiedText')) as string;
      assert.deepEqual(copied.split('\n'), shown, `${seat.size}: one code per line`);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download as .txt' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), 'tessera-recovery-codes.txt');
      const lines = readFileSync(await download.path(), 'utf8')
        .trim()
        .split('\n');
      assert.deepEqual(lines.slice(-10), shown);
      await page.reload();
      assert.equal(await page.locator('#recovery-codes li').count(), 0, 'shown once');
    }
  });

  test('6 and 3: Test first with read scopes; a forged environment is refused; a reload repeats nothing', async () => {
    for (const seat of seats) {
      const page = pageOf(seat);
      const partnerId = seat.partner().id;
      await page.goto(`${base}/console/keys`);
      await page.getByRole('heading', { name: 'Create a test key' }).waitFor();
      for (const scope of ['quotes:read', 'bookings:read', 'audit:read'])
        assert.ok(await page.getByLabel(scope).isChecked(), `${scope} starts checked`);
      for (const scope of ['quotes:write', 'bookings:write'])
        assert.ok(!(await page.getByLabel(scope).isChecked()), `${scope} is a deliberate choice`);

      const keysBefore = await count('api_keys WHERE partner_id = $1', [partnerId]);
      const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
      const forged = await page.request.post(`${base}/console/keys`, {
        form: { _csrf: csrf, environment: 'prod', name: 'forged', scopes: 'quotes:read' },
        maxRedirects: 0,
      });
      assert.equal(forged.status(), 400);
      assert.equal(await count('api_keys WHERE partner_id = $1', [partnerId]), keysBefore);

      await page.getByLabel(/^Name/).fill(`Reporting ${seat.size}`);
      await page.getByRole('button', { name: 'Create key' }).click();
      const key = ((await page.locator('output#new-key').textContent()) ?? '').trim();
      assert.match(key, /^sk_test_/);
      assert.ok(page.url().endsWith('/console/keys?env=test'), `no secret in the URL: ${page.url()}`);
      await page.reload();
      assert.equal(await page.locator('output#new-key').count(), 0, 'the key is not shown again');
      assert.equal(
        await count('api_keys WHERE partner_id = $1', [partnerId]),
        keysBefore + 1,
        'not re-created',
      );

      const prefix = key.split('_')[2] ?? '';
      await page.getByRole('button', { name: `Revoke key ${prefix}` }).click();
      await page.getByText(`Key ${prefix} is revoked`).waitFor();
      const [row] = await h.tessera.db.query<{ id: string }>('SELECT id FROM api_keys WHERE prefix = $1', [
        prefix,
      ]);
      const again = await page.request.post(`${base}/console/keys/${row?.id}/revoke`, {
        form: { _csrf: csrf },
        maxRedirects: 0,
      });
      assert.equal(again.status(), 303);
      const revokedEvents = await count(
        `audit_events WHERE action = 'key.revoked' AND detail->>'prefix' = $1`,
        [prefix],
      );
      assert.equal(revokedEvents, 1, 'revoking a revoked key records nothing new');
      await page.goto(`${base}/console/keys`);
      await page.getByText(`Key ${prefix} was already revoked; nothing changed.`).waitFor();
      assert.ok(await noSidewaysScroll(page), `${seat.size}: the keys page fits`);
    }
  });

  test('9: validation errors are shown inline and keep what was typed', async () => {
    for (const seat of seats) {
      const page = pageOf(seat);
      await page.goto(`${base}/console/keys`);
      await page.getByLabel(/^Name/).fill('Nightly sync');
      for (const scope of ['quotes:read', 'bookings:read', 'audit:read'])
        await page.getByLabel(scope).uncheck();
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.getByRole('alert').filter({ hasText: 'Choose at least one scope' }).waitFor();
      assert.equal(await page.getByLabel(/^Name/).inputValue(), 'Nightly sync');
      await page.getByRole('heading', { name: 'API keys' }).waitFor();

      await page.goto(`${base}/console/team`);
      await page.getByLabel('Email address').fill('someone@localhost');
      await page.getByLabel('Role', { exact: true }).selectOption('auditor');
      await page.getByRole('button', { name: 'Invite' }).click();
      await page.getByRole('alert').filter({ hasText: 'Enter a valid email address' }).waitFor();
      assert.equal(await page.getByLabel('Email address').inputValue(), 'someone@localhost');
      assert.equal(await page.getByLabel('Role', { exact: true }).inputValue(), 'auditor');
    }
  });

  test('4: the allowlist normalises, removes one entry, and warns before live is opened', async () => {
    for (const seat of seats) {
      const page = pageOf(seat);
      const rows = (cidr: string) => entryCells(page, cidr);
      const add = async (cidr: string, allowAny = false) => {
        await page.getByLabel(/^Address or range/).fill(cidr);
        if (allowAny) await page.getByLabel(/Allow every address/).check();
        await page.getByRole('button', { name: 'Add entry' }).click();
      };
      const warning = page.getByText('Live accepts requests from any IP address.');
      await page.goto(`${base}/console/allowlist?env=live`);
      await warning.waitFor();
      await add('203.0.113.7');
      await rows('203.0.113.7/32').waitFor();
      await add('203.0.113.7/32');
      await page.getByText('203.0.113.7/32 is already on the list; nothing changed.').waitFor();
      assert.equal(await rows('203.0.113.7/32').count(), 1, 'one row, not two');
      await add('198.51.100.0/24');
      await rows('198.51.100.0/24').waitFor();
      assert.equal(await warning.count(), 0);

      await page.getByRole('button', { name: 'Remove 203.0.113.7/32 (live)' }).click();
      await page.getByText('203.0.113.7/32 removed.').waitFor();
      assert.equal(await rows('203.0.113.7/32').count(), 0);
      assert.equal(await rows('198.51.100.0/24').count(), 1, 'the other entry stays');

      await page.getByRole('button', { name: 'Remove 198.51.100.0/24 (live)' }).click();
      await page.getByRole('heading', { name: 'Open live to every address?' }).waitFor();
      await page.getByRole('button', { name: 'Remove it and accept any address' }).click();
      await page
        .getByText('198.51.100.0/24 removed. Live now accepts requests from any IP address.')
        .waitFor();
      await warning.waitFor();

      await add('0.0.0.0/0');
      await page.getByRole('alert').filter({ hasText: 'allow-any' }).waitFor();
      await add('0.0.0.0/0', true);
      await rows('0.0.0.0/0').waitFor();
      await warning.waitFor();
      assert.ok(await noSidewaysScroll(page), `${seat.size}: the allowlist fits`);
      await page.getByRole('button', { name: 'Remove 0.0.0.0/0 (live)' }).click();
      await page.getByText('0.0.0.0/0 removed.').waitFor();
    }
  });

  test('7: the audit log names people, fits at 1440 px and its table is reachable by keyboard', async () => {
    for (const seat of seats) {
      const page = pageOf(seat);
      if (seat.size === 'desktop') await page.setViewportSize(WIDE);
      await page.goto(`${base}/console/audit`);
      await page.locator('td[data-label="Actor"]', { hasText: seat.email }).first().waitFor();
      assert.doesNotMatch(await page.locator('table').innerText(), /user usr_/);
      const region = page.getByRole('region', { name: 'Audit events' });
      assert.equal(await region.getAttribute('tabindex'), '0');
      const fits = await region.evaluate((el) => el.scrollWidth <= el.clientWidth + 1);
      assert.ok(fits, `${seat.size}: the table fits its container`);
      const wrap = await page.evaluate("getComputedStyle(document.querySelector('td.time')).whiteSpace");
      if (seat.size === 'desktop') assert.equal(wrap, 'nowrap', 'the time stays on one line');
      if (seat.size === 'desktop') await page.setViewportSize(DESKTOP);
    }
  });

  test('10: the export is a POST with the CSRF token and still downloads', async () => {
    const seat = seats[0] as Seat;
    const page = pageOf(seat);
    const partnerId = seat.partner().id;
    offsetMs += 3_000; // the export stops two seconds in the past: let this test's events be inside it
    await page.goto(`${base}/console/audit`);
    const today = new Date(clock()).toISOString().slice(0, 10);
    await page.locator('#export-from').fill(today);
    await page.locator('#export-to').fill(today);
    await page.getByRole('button', { name: 'Prepare export' }).click();
    await page.getByRole('heading', { name: 'Audit export ready' }).waitFor();
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Download the export' }) });
    assert.equal(await form.getAttribute('method'), 'post');
    assert.ok((await form.locator('input[name="_csrf"]').inputValue()).length > 20);
    const exported = () =>
      count(`audit_events WHERE partner_id = $1 AND action = 'audit.exported'`, [partnerId]);
    const before = await exported();
    const query = new URLSearchParams({
      from: `${today}T00:00:00.000Z`,
      to: new Date(clock() - 5_000).toISOString().replace(/\.\d{3}Z$/, '.000Z'),
      format: 'jsonl',
    });
    const embedded = await page.request.get(`${base}/console/audit/export/file?${query}`);
    assert.equal(embedded.status(), 404, 'a GET (an <img> elsewhere) exports nothing');
    assert.equal(await exported(), before);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download the export' }).click(),
    ]);
    assert.match(readFileSync(await download.path(), 'utf8'), /"action":"console\.signed_in"/);
    assert.equal(await exported(), before + 1);
  });

  test('11 and 9: using a link spends older ones; "Lost your device?" stays open after a wrong code', async () => {
    for (const seat of seats) {
      const context = await browser.newContext({ viewport: seat.viewport });
      context.setDefaultTimeout(10_000);
      const page = await context.newPage();
      const requestLink = async () => {
        await page.goto(`${base}/console/login`);
        await page.getByLabel('Email address').fill(seat.email);
        const at = clock();
        await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
        await page.getByRole('heading', { name: 'Check your email' }).waitFor();
        return linkFor(dataDir, seat.email, at);
      };
      const older = await requestLink();
      const newer = await requestLink();
      await page.goto(newer);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(/\/console\/mfa$/).catch(async (error: unknown) => {
        throw new Error(`newer link refused: ${await page.locator('main').innerText()}`, { cause: error });
      });

      await page.getByText('Lost your device? Use a recovery code').click();
      await page.getByLabel('Recovery code').fill('aaaaa-bbbbb');
      await page.getByRole('button', { name: 'Use recovery code' }).click();
      await page.getByText('That recovery code is not valid or was already used.').waitFor();
      assert.notEqual(await page.locator('details').getAttribute('open'), null, 'still open');
      assert.ok(await page.getByLabel('Recovery code').isVisible());
      await page.getByRole('button', { name: 'Cancel and sign out' }).click();

      await page.goto(older);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'This sign-in link cannot be used' }).waitFor();
      await context.close();
    }
  });

  test('12: roll with overlap issues a new key while the old one keeps working until the chosen time', async () => {
    for (const seat of seats) {
      const page = pageOf(seat);
      await page.goto(`${base}/console/keys?env=test`);
      await page.getByLabel(/^Name/).fill(`Rotation ${seat.size}`);
      await page.getByRole('button', { name: 'Create key' }).click();
      const oldKey = ((await page.locator('output#new-key').textContent()) ?? '').trim();
      const oldPrefix = oldKey.split('_')[2] ?? '';
      await page.getByLabel('Old key keeps working for').first().waitFor();
      const roll = page.getByRole('button', { name: `Roll with overlap: key ${oldPrefix}` });
      const box = await roll.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= seat.viewport.width, `${seat.size}: reachable`);
      await roll.click();
      await page.getByText(`issued to replace ${oldPrefix}`).waitFor();
      const newKey = ((await page.locator('output#new-key').textContent()) ?? '').trim();
      assert.notEqual(newKey, oldKey);
      await page.getByText(`The old key ${oldPrefix} keeps working until`).waitFor();
      assert.equal((await new PartnerClient(h.baseUrl, oldKey).get('/v1/me')).status, 200, 'old still works');
      assert.equal((await new PartnerClient(h.baseUrl, newKey).get('/v1/me')).status, 200, 'new works');
      const [old] = await h.tessera.db.query<{ expires_at: Date }>(
        'SELECT expires_at FROM api_keys WHERE prefix = $1',
        [oldPrefix],
      );
      const overlap = new Date(old?.expires_at ?? 0).getTime() - clock();
      assert.ok(overlap > 23.9 * 3_600_000 && overlap <= 24 * 3_600_000, 'the default 24 hours');
      assert.equal(
        await count(`audit_events WHERE action = 'key.rolled' AND detail->>'prefix' = $1`, [oldPrefix]),
        1,
      );
    }
  });

  test('13: after 10 minutes, a live key and the live allowlist ask for the second factor again', async () => {
    offsetMs += 11 * 60_000;
    for (const seat of seats) {
      const page = pageOf(seat);
      await page.goto(`${base}/console/keys?env=live`);
      await page.getByLabel(/^Name/).fill('Payments');
      await page.getByLabel('bookings:write').check();
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.getByRole('heading', { name: "Confirm it's you" }).waitFor();
      assert.equal(await page.locator('output#new-key').count(), 0, 'nothing created yet');
      await page.getByLabel('6-digit code from your authenticator app').fill('000000');
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.getByText('That code is not valid').waitFor();
      await page
        .getByLabel('6-digit code from your authenticator app')
        .fill(codeAt(seat.secret ?? '', clock()));
      await page.getByRole('button', { name: 'Confirm' }).click();
      const key = ((await page.locator('output#new-key').textContent()) ?? '').trim();
      assert.match(key, /^sk_live_/);
      const prefix = key.split('_')[2] ?? '';
      const [row] = await h.tessera.db.query<{ name: string; scopes: string[] }>(
        'SELECT name, scopes FROM api_keys WHERE prefix = $1',
        [prefix],
      );
      assert.equal(row?.name, 'Payments', 'the form survived the step-up');
      assert.deepEqual([...(row?.scopes ?? [])].sort(), [
        'audit:read',
        'bookings:read',
        'bookings:write',
        'quotes:read',
      ]);

      // Given just now, the factor is not asked for again within 10 minutes.
      await page.goto(`${base}/console/allowlist?env=live`);
      await page.getByLabel(/^Address or range/).fill('192.0.2.0/24');
      await page.getByRole('button', { name: 'Add entry' }).click();
      await entryCells(page, '192.0.2.0/24').waitFor();
      offsetMs += 11 * 60_000;
      await page.getByRole('button', { name: 'Remove 192.0.2.0/24 (live)' }).click();
      await page.getByRole('heading', { name: 'Open live to every address?' }).waitFor();
      await page.getByRole('button', { name: 'Remove it and accept any address' }).click();
      await page.getByRole('heading', { name: "Confirm it's you" }).waitFor();
      await page
        .getByLabel('6-digit code from your authenticator app')
        .fill(codeAt(seat.secret ?? '', clock()));
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.getByText('192.0.2.0/24 removed. Live now accepts requests from any IP address.').waitFor();
      offsetMs -= 11 * 60_000;
    }
  });
});
