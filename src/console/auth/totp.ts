// TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps) with otplib. A code is accepted for the current
// step or one either side (clock drift, RFC 6238 §5.2), and only for a step later than the last one the
// user spent, so a code seen over a shoulder or in a proxy log cannot be replayed.
import { authenticator } from 'otplib';
import { constantTimeEqual } from '../../crypto.ts';

export const STEP_MS = 30_000;
const ISSUER = 'Tessera';

export function newTotpSecret(): string {
  return authenticator.generateSecret(20);
}

export function totpUri(account: string, secret: string): string {
  return authenticator.keyuri(account, ISSUER, secret);
}

export function totpCode(secret: string, atMs: number): string {
  return authenticator.clone({ epoch: atMs }).generate(secret);
}

/** The time step whose code this is, or undefined if it matches none of the accepted steps. */
export function matchingStep(secret: string, code: string, now: number): number | undefined {
  const presented = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(presented)) return undefined;
  const current = Math.floor(now / STEP_MS);
  let matched: number | undefined;
  // Every candidate is computed and compared, so the time taken does not say which step matched.
  for (const step of [current - 1, current, current + 1]) {
    if (constantTimeEqual(totpCode(secret, step * STEP_MS), presented)) matched = step;
  }
  return matched;
}
