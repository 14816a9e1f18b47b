// How long an audit event waits between being durable and (1) taking its place in its chain, (2) being
// covered by a signed tree head. Both are measured from occurred_at + latency_ms: latency_ms is taken when
// the request's event is built, just before its INSERT and its transaction's COMMIT, so "durable" here is
// a moment or two early and the lags are, if anything, overstated by one commit.
import type { Database } from '../../src/db/database.ts';

export interface LagFigures {
  events: number;
  placed: number;
  included: number;
  /** Milliseconds. */
  placedP50: number;
  placedP99: number;
  placedMax: number;
  includedP50: number;
  includedP99: number;
  includedMax: number;
}

interface LagRow {
  events: string;
  placed: string;
  included: string;
  placed_p50: number | null;
  placed_p99: number | null;
  placed_max: number | null;
  included_p50: number | null;
  included_p99: number | null;
  included_max: number | null;
}

const LAGS = `
  WITH lags AS (
    SELECT extract(epoch FROM e.recorded_at - e.occurred_at) * 1000 - e.latency_ms AS placed_ms,
           extract(epoch FROM (SELECT min(t.signed_at) FROM audit_tree_heads t
                                WHERE t.chain_id = e.chain_id AND t.tree_size >= e.chain_seq)
                              - e.occurred_at) * 1000 - e.latency_ms AS included_ms
      FROM audit_events e
     WHERE e.chain_id = $1 AND e.action = 'api.request' AND e.path = $2
       AND e.user_agent IS DISTINCT FROM 'pgbench')
  SELECT count(*)::text AS events, count(placed_ms)::text AS placed, count(included_ms)::text AS included,
         percentile_disc(0.5) WITHIN GROUP (ORDER BY placed_ms)::float8 AS placed_p50,
         percentile_disc(0.99) WITHIN GROUP (ORDER BY placed_ms)::float8 AS placed_p99,
         max(placed_ms)::float8 AS placed_max,
         percentile_disc(0.5) WITHIN GROUP (ORDER BY included_ms)::float8 AS included_p50,
         percentile_disc(0.99) WITHIN GROUP (ORDER BY included_ms)::float8 AS included_p99,
         max(included_ms)::float8 AS included_max
    FROM lags`;

/** The lags of every `api.request` event for `path` on chain `chainId` that came through the API (not pgbench). */
export async function measureLags(db: Database, chainId: string, path: string): Promise<LagFigures> {
  const [row] = await db.query<LagRow>(LAGS, [chainId, path]);
  const ms = (value: number | null | undefined) => Math.round((value ?? Number.NaN) * 10) / 10;
  return {
    events: Number(row?.events),
    placed: Number(row?.placed),
    included: Number(row?.included),
    placedP50: ms(row?.placed_p50),
    placedP99: ms(row?.placed_p99),
    placedMax: ms(row?.placed_max),
    includedP50: ms(row?.included_p50),
    includedP99: ms(row?.included_p99),
    includedMax: ms(row?.included_max),
  };
}

/** Waits until every such event is in a signed tree head, or `timeoutMs` passed; the last figures. */
export async function lagsOnceIncluded(
  db: Database,
  chainId: string,
  path: string,
  timeoutMs: number,
): Promise<LagFigures> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const figures = await measureLags(db, chainId, path);
    if (figures.included === figures.events || performance.now() > deadline) return figures;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
