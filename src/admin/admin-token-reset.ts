// Replacing a lost generated admin token. Run on the server machine against the database (there is no API
// for it: whoever lost the token cannot call the admin API). Every stored digest is removed and one new
// token is stored, so the old token stops working as soon as the nodes reload their digests (at restart).
import { Actor } from '../actor.ts';
import { appendAuditEvents } from '../audit/append.ts';
import { randomToken, sha256Hex } from '../crypto.ts';
import type { Database } from '../db/database.ts';
import { newId } from '../ids.ts';

// The lock taken by setUpAdminToken, so a node starting meanwhile cannot generate a token of its own.
const ADMIN_TOKEN_LOCK = 7362514091;

/** Stores a new admin token in place of every existing one, audits it, and returns it (shown once). */
export async function resetAdminToken(
  db: Database,
  actor: Actor = new Actor('system', 'cli'),
): Promise<string> {
  const token = `tsa_${randomToken(32)}`;
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [ADMIN_TOKEN_LOCK]);
    const removed = await tx.query<{ id: string }>('DELETE FROM admin_tokens RETURNING id');
    await tx.query('INSERT INTO admin_tokens (id, token_sha256) VALUES ($1, $2)', [
      newId('key'),
      sha256Hex(token),
    ]);
    await appendAuditEvents(tx, [
      actor.event('admin_token.reset', {
        partnerId: null,
        environment: null,
        detail: { replaced: removed.length },
      }),
    ]);
  });
  return token;
}
