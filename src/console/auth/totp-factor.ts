// The user's TOTP factor: enrolment (a pending secret until a first code proves the authenticator has it),
// then verification with the replay rule: the accepted step must be later than the last one spent, and
// recording it is one conditional UPDATE, so two requests racing with the same code cannot both pass.
import type { Database } from '../../db/database.ts';
import type { SecretBox } from './secret-box.ts';
import { matchingStep, newTotpSecret } from './totp.ts';

interface FactorRow {
  secret_ciphertext: string;
  key_id: string;
  confirmed_at: Date | null;
}

export type TotpOutcome = 'ok' | 'wrong' | 'replayed';

async function factorOf(db: Database, userId: string): Promise<FactorRow | undefined> {
  const [row] = await db.query<FactorRow>(
    'SELECT secret_ciphertext, key_id, confirmed_at FROM console_totp_factors WHERE user_id = $1',
    [userId],
  );
  return row;
}

export async function hasConfirmedTotp(db: Database, userId: string): Promise<boolean> {
  return (await factorOf(db, userId))?.confirmed_at != null;
}

export async function totpConfirmedAt(db: Database, userId: string): Promise<Date | null> {
  return (await factorOf(db, userId))?.confirmed_at ?? null;
}

/** The secret to enrol (kept across reloads of the enrolment page), or undefined once enrolled. */
export async function pendingTotpSecret(
  db: Database,
  box: SecretBox,
  userId: string,
  now: number,
): Promise<string | undefined> {
  const existing = await factorOf(db, userId);
  if (existing?.confirmed_at) return undefined;
  const opened =
    existing && box.open({ ciphertext: existing.secret_ciphertext, keyId: existing.key_id }, userId);
  if (opened) return opened;
  const secret = newTotpSecret();
  const sealed = box.seal(secret, userId);
  await db.query(
    `INSERT INTO console_totp_factors (user_id, secret_ciphertext, key_id, created_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = $2, key_id = $3, created_at = $4, last_used_step = NULL
      WHERE console_totp_factors.confirmed_at IS NULL`,
    [userId, sealed.ciphertext, sealed.keyId, new Date(now)],
  );
  return secret;
}

/** Checks a code against the pending or confirmed secret and spends its step; confirms a pending factor. */
export async function verifyTotp(
  db: Database,
  box: SecretBox,
  userId: string,
  code: string,
  now: number,
): Promise<TotpOutcome> {
  const factor = await factorOf(db, userId);
  if (!factor) return 'wrong';
  const secret = box.open({ ciphertext: factor.secret_ciphertext, keyId: factor.key_id }, userId);
  if (!secret) return 'wrong';
  const step = matchingStep(secret, code, now);
  if (step === undefined) return 'wrong';
  const spent = await db.query(
    `UPDATE console_totp_factors SET last_used_step = $2, confirmed_at = coalesce(confirmed_at, $3)
      WHERE user_id = $1 AND (last_used_step IS NULL OR last_used_step < $2) RETURNING user_id`,
    [userId, step, new Date(now)],
  );
  return spent.length > 0 ? 'ok' : 'replayed';
}
