// Partners: the tenants of the platform. Creating one is an audited admin action.

import type { Actor } from '../actor.ts';
import { appendAuditEvents } from '../audit/append.ts';
import { notifyChange } from '../db/change-feed.ts';
import type { Database } from '../db/database.ts';
import { newId } from '../ids.ts';

export interface Partner {
  id: string;
  name: string;
  rate_limit_per_minute: number | null;
  created_at: string;
  suspended_at: string | null;
}

const PARTNER_COLUMNS = 'id, name, rate_limit_per_minute, created_at, suspended_at';

export async function createPartner(
  db: Database,
  actor: Actor,
  input: { name: string; rateLimitPerMinute?: number | null },
): Promise<Partner> {
  return db.transaction(async (tx) => {
    const [partner] = await tx.query<Partner>(
      `INSERT INTO partners (id, name, rate_limit_per_minute) VALUES ($1, $2, $3) RETURNING ${PARTNER_COLUMNS}`,
      [newId('partner'), input.name, input.rateLimitPerMinute ?? null],
    );
    if (!partner) throw new Error('partner insert returned no row');
    await appendAuditEvents(tx, [
      actor.event('partner.created', {
        partnerId: partner.id,
        environment: null,
        detail: { name: partner.name },
      }),
    ]);
    return partner;
  });
}

export async function listPartners(db: Database): Promise<Partner[]> {
  return db.query<Partner>(`SELECT ${PARTNER_COLUMNS} FROM partners ORDER BY created_at, id`);
}

export async function findPartner(db: Database, id: string): Promise<Partner | undefined> {
  const [partner] = await db.query<Partner>(`SELECT ${PARTNER_COLUMNS} FROM partners WHERE id = $1`, [id]);
  return partner;
}

export async function setPartnerRateLimit(
  db: Database,
  actor: Actor,
  id: string,
  rateLimitPerMinute: number | null,
): Promise<Partner | undefined> {
  return db.transaction(async (tx) => {
    const [partner] = await tx.query<Partner>(
      `UPDATE partners SET rate_limit_per_minute = $2 WHERE id = $1 RETURNING ${PARTNER_COLUMNS}`,
      [id, rateLimitPerMinute],
    );
    if (!partner) return undefined;
    await appendAuditEvents(tx, [
      actor.event('partner.rate_limit_changed', {
        partnerId: id,
        environment: null,
        detail: { rate_limit_per_minute: rateLimitPerMinute },
      }),
    ]);
    await notifyChange(tx, 'partner', id);
    return partner;
  });
}
