// One-time recovery codes: shown once, stored as SHA-256 (each has 50 random bits, out of reach of guessing
// under the wrong-code throttle), each usable once.
import { randomBase62, sha256Hex } from '../../crypto.ts';
import type { Database, Queryable } from '../../db/database.ts';

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const COUNT = 10;

function normalise(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Replaces the user's codes with a fresh set and returns them (the only time they exist in clear). */
export async function replaceRecoveryCodes(tx: Queryable, userId: string, now: number): Promise<string[]> {
  const codes = Array.from(
    { length: COUNT },
    () => `${randomBase62(5, ALPHABET)}-${randomBase62(5, ALPHABET)}`,
  );
  await tx.query('DELETE FROM console_recovery_codes WHERE user_id = $1', [userId]);
  await tx.query(
    `INSERT INTO console_recovery_codes (user_id, code_sha256, created_at)
     SELECT $1, c, $3 FROM unnest($2::text[]) AS c`,
    [userId, codes.map((code) => sha256Hex(normalise(code))), new Date(now)],
  );
  return codes;
}

export async function spendRecoveryCode(
  db: Database,
  userId: string,
  code: string,
  now: number,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE console_recovery_codes SET used_at = $3
      WHERE user_id = $1 AND code_sha256 = $2 AND used_at IS NULL RETURNING user_id`,
    [userId, sha256Hex(normalise(code)), new Date(now)],
  );
  return rows.length > 0;
}

export async function remainingRecoveryCodes(db: Database, userId: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM console_recovery_codes WHERE user_id = $1 AND used_at IS NULL',
    [userId],
  );
  return row?.n ?? 0;
}
