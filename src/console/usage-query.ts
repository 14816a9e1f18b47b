// Usage from the audit log ('api.request' events: actor_id is the key prefix, with status and latency):
// requests and errors per day, and p95 latency per day and per key, for one partner and environment.
// Days are those the requests started on (occurred_at); recorded_at, which is indexed, bounds the scan (an
// event not yet sequenced has none, and counts already).
import type { Database, Environment } from '../db/database.ts';

export interface DailyUsage {
  day: string;
  requests: number;
  errors: number;
  p95: number | null;
}

export interface KeyUsage {
  prefix: string;
  requests: number;
  errors: number;
  p95: number | null;
}

export async function usageOf(
  db: Database,
  partnerId: string,
  environment: Environment,
  since: Date,
): Promise<{ daily: DailyUsage[]; perKey: KeyUsage[] }> {
  return db.scoped({ partnerId, environment }, async (tx) => {
    const daily = await tx.query<DailyUsage>(
      `SELECT to_char(date_trunc('day', occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
              count(*)::int AS requests, (count(*) FILTER (WHERE status >= 400))::int AS errors,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
         FROM audit_events
        WHERE partner_id = $1 AND environment = $2 AND action = 'api.request'
          AND (recorded_at >= $3 OR recorded_at IS NULL) AND occurred_at >= $3
        GROUP BY 1 ORDER BY 1`,
      [partnerId, environment, since],
    );
    const perKey = await tx.query<KeyUsage>(
      `SELECT actor_id AS prefix, count(*)::int AS requests, (count(*) FILTER (WHERE status >= 400))::int AS errors,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
         FROM audit_events
        WHERE partner_id = $1 AND environment = $2 AND action = 'api.request'
          AND (recorded_at >= $3 OR recorded_at IS NULL) AND occurred_at >= $3 AND actor_id IS NOT NULL
        GROUP BY 1 ORDER BY 2 DESC`,
      [partnerId, environment, since],
    );
    return { daily, perKey };
  });
}
