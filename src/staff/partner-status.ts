// Suspending and reactivating a partner. A suspended partner's keys get 403 partner.suspended on every
// node as soon as the change commits (the change feed drops the cached verifications). Reactivation is a
// four-eyes action: it runs only through an approved request (approval-actions.ts).
import type { Actor } from '../actor.ts';
import { appendAuditEvents } from '../audit/append.ts';
import { notifyChange } from '../db/change-feed.ts';
import type { Database } from '../db/database.ts';

export type StatusChange = 'changed' | 'unchanged' | 'not_found';

export async function suspendPartner(
  db: Database,
  actor: Actor,
  partnerId: string,
  reason: string,
): Promise<StatusChange> {
  return setSuspended(db, actor, partnerId, true, reason);
}

export async function reactivatePartner(
  db: Database,
  actor: Actor,
  partnerId: string,
): Promise<StatusChange> {
  return setSuspended(db, actor, partnerId, false, null);
}

async function setSuspended(
  db: Database,
  actor: Actor,
  partnerId: string,
  suspended: boolean,
  reason: string | null,
): Promise<StatusChange> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{ suspended_at: Date | null }>(
      'SELECT suspended_at FROM partners WHERE id = $1 FOR UPDATE',
      [partnerId],
    );
    if (!row) return 'not_found';
    if ((row.suspended_at !== null) === suspended) return 'unchanged';
    await tx.query(`UPDATE partners SET suspended_at = CASE WHEN $2 THEN now() ELSE NULL END WHERE id = $1`, [
      partnerId,
      suspended,
    ]);
    await appendAuditEvents(tx, [
      actor.event(suspended ? 'partner.suspended' : 'partner.reactivated', {
        partnerId,
        environment: null,
        detail: reason === null ? {} : { reason },
      }),
    ]);
    await notifyChange(tx, 'partner', partnerId);
    return 'changed';
  });
}
