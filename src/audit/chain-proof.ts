// Builds a manifest's chain proofs (docs/audit-ledger.md §7): for each chain of the export's scope, the
// event just before the period, the first event after it that a signed tree holds, the chain's latest
// signed head and the inclusion proof of the last of those events in it. Event reads go through `run`
// (partner-scoped for partner exports); heads and leaves are read by chain id, derived by the caller.
import type { Database, Queryable } from '../db/database.ts';
import { appendAuditEvents } from './append.ts';
import type { ChainedAuditEvent } from './event.ts';
import { type EventRow, type RunBatch, toChainedEvent } from './export.ts';
import type { ChainProof } from './manifest-signature.ts';
import { ownerOfChain } from './purge.ts';
import { sealAndSign } from './seal.ts';
import { sequenceAllPending } from './sequence.ts';
import type { SigningKey } from './signing-keys.ts';
import { findTreeHead, proveInclusion } from './tree-store.ts';

const EVENT_COLUMNS = `seq::text AS seq, id, chain_id, chain_seq::text AS chain_seq, recorded_at, occurred_at,
  request_id, partner_id, environment, actor_type, actor_id, action, method, path, status, error_code,
  client_ip, user_agent, latency_ms, detail, prev_hash, hash`;

export interface ChainInPeriod {
  chainId: string;
  events: number;
  last: ChainedAuditEvent | undefined;
}

export interface Sealing {
  db: Database;
  key: SigningKey;
  now: () => number;
  witnessDir?: string;
}

export async function chainProof(
  run: RunBatch,
  db: Queryable,
  chain: ChainInPeriod,
  period: { from: Date; to: Date },
  sealing: Sealing | undefined,
): Promise<ChainProof> {
  if (sealing) await closePeriod(sealing, chain.chainId, period.to);
  const head = await findTreeHead(db, chain.chainId);
  const size = head?.tree_size ?? '0';
  const [beforeRow] = await run((tx) =>
    tx.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM audit_events WHERE chain_id = $1 AND recorded_at < $2
        ORDER BY audit_events.chain_seq DESC LIMIT 1`,
      [chain.chainId, period.from.toISOString()],
    ),
  );
  const [afterRow] = await run((tx) =>
    tx.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM audit_events WHERE chain_id = $1 AND recorded_at >= $2 AND chain_seq <= $3
        ORDER BY audit_events.chain_seq LIMIT 1`,
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

/**
 * A period is provably complete only once an event after it is in a signed tree (§7.1). A quiet chain may
 * have none, so when `to` has passed and the chain has no event at or after it, an `audit.checkpoint`
 * event is appended, and the chain is signed at once if its tree lags. The sequencer stamps recorded_at
 * from the database's clock and never below the chain's last, so the checkpoint is recorded at or after
 * `to`, and every later event of the chain at or after the checkpoint.
 */
async function closePeriod(sealing: Sealing, chainId: string, to: Date): Promise<void> {
  const { db } = sealing;
  await sequenceAllPending(db);
  const [state] = await db.query<{ after: boolean; past: boolean; lagging: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM audit_events WHERE chain_id = $1 AND recorded_at >= $2) AS after,
            $2::timestamptz <= clock_timestamp() AS past,
            coalesce((SELECT chain_seq FROM audit_chain_heads WHERE chain_id = $1), 0)
              > coalesce((SELECT max(tree_size) FROM audit_tree_heads WHERE chain_id = $1), 0) AS lagging`,
    [chainId, to.toISOString()],
  );
  if (!state?.past) return;
  if (!state.after) {
    const owner = ownerOfChain(chainId);
    await db.transaction((tx) =>
      appendAuditEvents(tx, [
        {
          occurredAt: new Date(sealing.now()),
          requestId: null,
          partnerId: owner.partnerId,
          environment: owner.environment,
          actorType: 'system',
          actorId: null,
          action: 'audit.checkpoint',
          detail: { closes_period_before: to.toISOString() },
        },
      ]),
    );
  }
  if (!state.after || state.lagging) {
    const options = { now: sealing.now, ...(sealing.witnessDir ? { witnessDir: sealing.witnessDir } : {}) };
    await sealAndSign(db, sealing.key, options);
  }
}
