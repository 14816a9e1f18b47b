// IP allowlist entries per partner and environment. Replacing a list commits with its audit event and a
// change notification, so every node enforces the new list on its next request.

import type { Actor } from '../actor.ts';
import { appendAuditEvents } from '../audit/append.ts';
import { notifyChange } from '../db/change-feed.ts';
import type { Database, Environment } from '../db/database.ts';
import { type CidrOptions, InvalidCidrError, parseCidr } from '../net/cidr.ts';

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

/**
 * Canonicalises and de-duplicates entries (`203.0.113.7` and `203.0.113.7/32` are one entry; the first
 * note wins). Throws InvalidCidrError for anything parseCidr refuses, so nothing is stored half-checked.
 */
export function normaliseEntries(
  entries: ReadonlyArray<{ cidr: string; note?: string }>,
  options: CidrOptions = {},
): Array<{ cidr: string; note: string }> {
  const byCidr = new Map<string, string>();
  entries.forEach((entry, index) => {
    const { canonical } = parseEntry(entry.cidr, index, options);
    if (!byCidr.has(canonical)) byCidr.set(canonical, entry.note ?? '');
  });
  return [...byCidr].map(([cidr, note]) => ({ cidr, note }));
}

function parseEntry(cidr: string, index: number, options: CidrOptions) {
  try {
    return parseCidr(cidr, options);
  } catch (error) {
    if (error instanceof InvalidCidrError) error.index = index;
    throw error;
  }
}

/** Replaces the entries of one environment (or, with `null`, those that apply to both). */
export async function replaceAllowlist(
  db: Database,
  actor: Actor,
  partnerId: string,
  environment: Environment | null,
  entries: ReadonlyArray<{ cidr: string; note?: string }>,
  options: CidrOptions = {},
): Promise<AllowlistEntry[]> {
  const normalised = normaliseEntries(entries, options);
  await db.transaction(async (tx) => {
    await tx.query(
      'DELETE FROM partner_allowlist_entries WHERE partner_id = $1 AND environment IS NOT DISTINCT FROM $2',
      [partnerId, environment],
    );
    if (normalised.length > 0) {
      await tx.query(
        `INSERT INTO partner_allowlist_entries (partner_id, environment, cidr, note)
         SELECT $1, $2, c::cidr, n FROM unnest($3::text[], $4::text[]) AS t(c, n)`,
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
