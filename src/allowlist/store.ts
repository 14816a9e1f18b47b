// IP allowlist entries per partner and environment. Replacing a list commits with its audit event and a
// change notification, so every node enforces the new list on its next request.

import type { Actor } from '../actor.ts';
import { appendAuditEvents } from '../audit/append.ts';
import { notifyChange } from '../db/change-feed.ts';
import type { Database, Environment } from '../db/database.ts';
import { parseCidr } from '../net/cidr.ts';

export interface AllowlistEntry {
  environment: Environment | null;
  cidr: string;
  note: string;
}

export async function listAllowlist(db: Database, partnerId: string): Promise<AllowlistEntry[]> {
  return db.query<AllowlistEntry>(
    `SELECT environment, cidr::text AS cidr, note FROM partner_allowlist_entries
      WHERE partner_id = $1 ORDER BY environment NULLS FIRST, cidr`,
    [partnerId],
  );
}

/** Replaces the entries of one environment (or, with `null`, those that apply to both). */
export async function replaceAllowlist(
  db: Database,
  actor: Actor,
  partnerId: string,
  environment: Environment | null,
  entries: ReadonlyArray<{ cidr: string; note?: string }>,
): Promise<AllowlistEntry[]> {
  const normalised = entries.map((entry) => {
    const { address, prefix } = parseCidr(entry.cidr);
    return { cidr: `${address}/${prefix}`, note: entry.note ?? '' };
  });
  await db.transaction(async (tx) => {
    await tx.query(
      'DELETE FROM partner_allowlist_entries WHERE partner_id = $1 AND environment IS NOT DISTINCT FROM $2',
      [partnerId, environment],
    );
    if (normalised.length > 0) {
      // network() zeroes host bits, so 10.1.2.3/8 is stored (and shown) as 10.0.0.0/8.
      await tx.query(
        `INSERT INTO partner_allowlist_entries (partner_id, environment, cidr, note)
         SELECT $1, $2, network(c::inet)::cidr, n FROM unnest($3::text[], $4::text[]) AS t(c, n)`,
        [partnerId, environment, normalised.map((e) => e.cidr), normalised.map((e) => e.note)],
      );
    }
    await appendAuditEvents(tx, [
      actor.event('allowlist.replaced', {
        partnerId,
        environment,
        detail: { cidrs: normalised.map((e) => e.cidr) },
      }),
    ]);
    await notifyChange(tx, 'allowlist', partnerId);
  });
  return listAllowlist(db, partnerId);
}
