// Resetting a partner console user's second factors (a lost phone or security key): the TOTP factor,
// passkeys and recovery codes are removed and every session is revoked, so the user must enrol again at
// the next sign-in. A four-eyes action: it runs only through an approved request.
import type { Actor } from '../actor.ts';
import { appendAuditEvents } from '../audit/append.ts';
import type { Database } from '../db/database.ts';

export async function resetUserMfa(
  db: Database,
  actor: Actor,
  partnerId: string,
  userId: string,
): Promise<'reset' | 'not_found'> {
  return db.transaction(async (tx) => {
    const [user] = await tx.query<{ id: string }>(
      'SELECT id FROM console_users WHERE id = $1 AND partner_id = $2 AND removed_at IS NULL FOR UPDATE',
      [userId, partnerId],
    );
    if (!user) return 'not_found';
    await tx.query('DELETE FROM console_totp_factors WHERE user_id = $1', [userId]);
    await tx.query('DELETE FROM console_webauthn_credentials WHERE user_id = $1', [userId]);
    await tx.query('DELETE FROM console_recovery_codes WHERE user_id = $1', [userId]);
    await tx.query(
      'UPDATE console_sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
      [userId],
    );
    await appendAuditEvents(tx, [
      actor.event('user.mfa_reset', { partnerId, environment: null, detail: { user_id: userId } }),
    ]);
    return 'reset';
  });
}
