// The audit log as the console shows it: one partner's events, newest first, filtered by period, key,
// status and code, paginated by keyset (seq) so a page costs the same however deep it is. Read through
// db.scoped, so row-level security backs up the partner filter.
import type { ChainedAuditEvent } from '../audit/event.ts';
import type { Database } from '../db/database.ts';

export interface AuditFilter {
  from: Date | undefined;
  to: Date | undefined;
  key: string | undefined;
  status: number | undefined;
  code: string | undefined;
  before: string | undefined;
}

/** The columns the console shows, from the one stored-row declaration; the driver returns a Date. */
export type AuditRow = Pick<
  ChainedAuditEvent,
  | 'seq'
  | 'environment'
  | 'actor_type'
  | 'actor_id'
  | 'action'
  | 'method'
  | 'path'
  | 'status'
  | 'error_code'
  | 'client_ip'
  | 'latency_ms'
  | 'detail'
> & { recorded_at: Date };

export const PAGE_SIZE = 50;

export async function queryAuditLog(
  db: Database,
  partnerId: string,
  filter: AuditFilter,
): Promise<{ rows: AuditRow[]; nextBefore: string | undefined }> {
  const rows = await db.scoped({ partnerId, environment: 'live' }, (tx) =>
    tx.query<AuditRow>(
      `SELECT seq::text AS seq, coalesce(recorded_at, occurred_at) AS recorded_at, environment, actor_type, actor_id, action, method, path, status,
              error_code, client_ip, latency_ms, detail
         FROM audit_events
        WHERE partner_id = $1
          AND ($2::timestamptz IS NULL OR recorded_at >= $2)
          AND ($3::timestamptz IS NULL OR recorded_at < $3)
          AND ($4::text IS NULL OR actor_id = $4)
          AND ($5::int IS NULL OR status = $5)
          AND ($6::text IS NULL OR error_code = $6)
          AND ($7::bigint IS NULL OR seq < $7)
        ORDER BY seq DESC LIMIT $8`,
      [
        partnerId,
        filter.from ?? null,
        filter.to ?? null,
        filter.key ?? null,
        filter.status ?? null,
        filter.code ?? null,
        filter.before ?? null,
        PAGE_SIZE + 1,
      ],
    ),
  );
  const page = rows.slice(0, PAGE_SIZE);
  return { rows: page, nextBefore: rows.length > PAGE_SIZE ? page.at(-1)?.seq : undefined };
}

/** Reads the filter from a query string, dropping anything malformed rather than failing the page. */
export function parseAuditFilter(query: Record<string, unknown>): AuditFilter {
  const text = (name: string) => {
    const value = query[name];
    return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 100) : undefined;
  };
  const day = (name: string, offsetDays: number) => {
    const value = text(name);
    if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
    const date = new Date(`${value}T00:00:00.000Z`);
    return Number.isNaN(date.getTime()) ? undefined : new Date(date.getTime() + offsetDays * 86_400_000);
  };
  const status = text('status');
  const before = text('before');
  return {
    from: day('from', 0),
    to: day('to', 1),
    key: text('key'),
    status: status && /^\d{3}$/.test(status) ? Number(status) : undefined,
    code: text('code'),
    before: before && /^\d{1,18}$/.test(before) ? before : undefined,
  };
}

/** The email of each console user among `userIds` (removed users included), within this partner only. */
export async function userEmails(
  db: Database,
  partnerId: string,
  userIds: readonly string[],
): Promise<Map<string, string>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.query<{ id: string; email: string }>(
    'SELECT id, email FROM console_users WHERE partner_id = $1 AND id = ANY($2::text[])',
    [partnerId, [...new Set(userIds)]],
  );
  return new Map(rows.map((row) => [row.id, row.email]));
}
