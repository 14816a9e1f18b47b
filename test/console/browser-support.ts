// Headless Chromium for the console's browser tests: launch, sign in through the outbox link, enrol or
// answer TOTP on an injected clock, and run axe-core inside the page.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { codeAt, linkFor } from './support.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const skipWithoutChromium = existsSync(CHROMIUM)
  ? false
  : `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`;

export const DESKTOP = { width: 1280, height: 860 } as const;
export const WIDE = { width: 1440, height: 900 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface BrowserSignIn {
  base: string;
  dataDir: string;
  clock: () => number;
}

/** Opens the login page, asks for a link and follows it, up to the second-factor step. */
export async function signInWithLink(
  context: BrowserContext,
  env: BrowserSignIn,
  email: string,
  reuse?: Page,
): Promise<Page> {
  const page = reuse ?? (await context.newPage());
  if (!reuse) page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(`${env.base}/console/login`);
  await page.getByLabel('Email address').fill(email);
  const requested = env.clock();
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();
  await page.goto(await linkFor(env.dataDir, email, requested));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(/\/console\/mfa/);
  return page;
}

/** Enrols TOTP on first sign-in; returns the secret, leaving the page on the recovery codes. */
export async function enrolTotp(page: Page, clock: () => number): Promise<string> {
  await page.waitForURL(/\/console\/mfa\/enrol/);
  const secret = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s/g, '');
  await page.getByLabel('6-digit code').fill(codeAt(secret, clock()));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('heading', { name: 'Your second factor is set up' }).waitFor();
  return secret;
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** axe-core's violations of impact serious or critical on the page as it is now. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Injected through the DevTools protocol's evaluate, which the page's CSP (script-src 'self') does not govern.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
