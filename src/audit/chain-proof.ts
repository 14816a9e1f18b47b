// Builds a manifest's chain proofs (docs/audit-ledger.md §7): for each chain of the export's scope, the
// event just before the period, the first event after it that a signed tree holds, the chain's latest
// signed head and the inclusion proof of the last of those events in it. Event reads go through `run`
// (partner-scoped for partner exports); heads and leaves are read by chain id, derived by the caller.
import type { Queryable } from '../db/database.ts';
import type { ChainedAuditEvent } from './event.ts';
import { type RunBatch, toChainedEvent } from './export.ts';
import type { ChainProof } from './manifest-signature.ts';
import { findTreeHead, proveInclusion } from './tree-store.ts';

const EVENT_COLUMNS = `seq::text AS seq, id, chain_id, chain_seq::text AS chain_seq, recorded_at, occurred_at,
  request_id, partner_id, environment, actor_type, actor_id, action, method, path, status, error_code,
  client_ip, user_agent, latency_ms, detail, prev_hash, hash`;

type EventRow = Parameters<typeof toChainedEvent>[0];

export interface ChainInPeriod {
  chainId: string;
  events: number;
  last: ChainedAuditEvent | undefined;
}

export async function chainProof(
  run: RunBatch,
  db: Queryable,
  chain: ChainInPeriod,
  period: { from: Date; to: Date },
): Promise<ChainProof> {
  const head = await findTreeHead(db, chain.chainId);
  const size = head?.tree_size ?? '0';
  const [beforeRow] = await run((tx) =>
    tx.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM audit_events WHERE chain_id = $1 AND recorded_at < $2
        ORDER BY chain_seq DESC LIMIT 1`,
      [chain.chainId, period.from.toISOString()],
    ),
  );
  const [afterRow] = await run((tx) =>
    tx.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM audit_events WHERE chain_id = $1 AND recorded_at >= $2 AND chain_seq <= $3
        ORDER BY chain_seq LIMIT 1`,
      [chain.chainId, period.to.toISOString(), size],
    ),
  );
  const before = beforeRow ? toChainedEvent(beforeRow) : null;
  const after = afterRow ? toChainedEvent(afterRow) : null;
  const anchor = after ?? chain.last ?? before;
  const path =
    head && anchor && BigInt(anchor.chain_seq) <= BigInt(size)
      ? await proveInclusion(db, chain.chainId, BigInt(anchor.chain_seq), BigInt(size))
      : undefined;
  return { events: chain.events, before, after, tree_head: head ?? null, anchor_proof: path ?? [] };
}
