// Sequencing: gives unsequenced events (see append.ts) their place. For each chain, in ingestion order, an
// event gets the next position, a recorded_at that never decreases along the chain (the database's clock,
// never below the chain's last), its chain hash over the previous one, and its leaf in the chain's Merkle
// tree. One statement then writes the events and moves the heads, but only from where this sequencer saw
// them: if another sequencer moved a head or placed an event first, the statement writes nothing and the
// caller starts again from the database. So sequencers racing (a node taking over, a CLI seal) can waste
// work but never fork a chain; the advisory lock in sequencer.ts only keeps them from racing in the first
// place.
import type { Queryable } from '../db/database.ts';
import { canonicalTimeColumn, eventHash, GENESIS_HASH, type HashedFields } from './chain.ts';
import type { ChainedAuditEvent } from './event.ts';
import { appendLeaf, eventLeafHash, frontierFits, frontierFromHex, frontierToHex } from './merkle.ts';
import { frontierFromLeaves } from './tree-store.ts';

/** Where a chain ends, and the right edge of its Merkle tree. */
export interface ChainTip {
  seq: bigint;
  hash: string;
  recordedAt: Date;
  frontier: Buffer[];
}

/**
 * An event as ingested: everything but what sequencing gives it, its occurred_at already in the §1 form,
 * and the database's clock at the read (milliseconds since the epoch, as text).
 */
export type PendingEvent = Omit<ChainedAuditEvent, 'chain_seq' | 'recorded_at' | 'prev_hash' | 'hash'> & {
  now_ms: string;
};

export interface SequencedEvent {
  id: string;
  chain_seq: string;
  recorded_at: string;
  prev_hash: string;
  hash: string;
}

export interface SequencedBatch {
  events: SequencedEvent[];
  /** The heads as the batch expects to find them, and as it leaves them. */
  before: Map<string, { seq: bigint; hash: string }>;
  after: Map<string, ChainTip>;
}

/**
 * What a statement meets when another sequencer got there first: our check (a head moved, an event already
 * placed), the position already taken (unique_violation), or the two waiting on each other's rows
 * (deadlock_detected). Each leaves nothing written.
 */
const ANOTHER_SEQUENCER = new Set(['TSA01', '23505', '40P01']);

/**
 * Up to `limit` unsequenced events, in ingestion order (up to ingestion number `through`, when given).
 * Timestamps come as text (occurred_at in the §1 form, as the export reads it; the clock as epoch
 * milliseconds), so the driver does not parse two Dates per event only for them to be written back as text.
 */
export async function readPending(db: Queryable, limit: number, through?: string): Promise<PendingEvent[]> {
  return db.query<PendingEvent>(
    `SELECT seq::text AS seq, id, chain_id, ${canonicalTimeColumn('occurred_at')}, request_id, partner_id,
            environment, actor_type, actor_id, action, method, path, status, error_code, client_ip, user_agent,
            latency_ms, detail,
            (extract(epoch FROM date_trunc('milliseconds', statement_timestamp())) * 1000)::bigint::text AS now_ms
       FROM audit_events WHERE chain_seq IS NULL AND ($2::bigint IS NULL OR audit_events.seq <= $2)
      ORDER BY audit_events.seq LIMIT $1`,
    [limit, through ?? null],
  );
}

/** The current tips of these chains, creating the heads of new chains. */
export async function loadTips(db: Queryable, chainIds: readonly string[]): Promise<Map<string, ChainTip>> {
  await db.query(
    `INSERT INTO audit_chain_heads (chain_id, chain_seq, hash, frontier)
     SELECT id, 0, $2, '' FROM unnest($1::text[]) AS id ON CONFLICT (chain_id) DO NOTHING`,
    [chainIds, GENESIS_HASH],
  );
  const rows = await db.query<{
    chain_id: string;
    chain_seq: string;
    hash: string;
    recorded_at: Date | string | null;
    frontier: string | null;
  }>(
    `SELECT chain_id, chain_seq::text AS chain_seq, hash, recorded_at, frontier
       FROM audit_chain_heads WHERE chain_id = ANY($1::text[])`,
    [chainIds],
  );
  const tips = new Map<string, ChainTip>();
  for (const row of rows) {
    const seq = BigInt(row.chain_seq);
    const kept = row.frontier === null ? undefined : frontierFromHex(row.frontier);
    tips.set(row.chain_id, {
      seq,
      hash: row.hash,
      recordedAt: new Date(row.recorded_at ?? 0),
      frontier: kept && frontierFits(kept, seq) ? kept : await rebuildFrontier(db, row.chain_id, seq),
    });
  }
  return tips;
}

/**
 * Chains last moved before frontiers were kept (ledger v1 and early v2), or whose head was moved without
 * its frontier (by hand, past the triggers): from their leaves. A wrong tree is then caught by the signed
 * heads that disagree with it, not by a crash of the sequencer.
 */
async function rebuildFrontier(db: Queryable, chainId: string, size: bigint): Promise<Buffer[]> {
  const frontier = await frontierFromLeaves(db, chainId, size);
  if (!frontier) throw new Error(`audit chain ${chainId} has a gap below position ${size}`);
  return frontier;
}

/** Places `pending` after `tips` (which it advances: pass copies to keep the originals). Pure. */
export function sequenceBatch(pending: readonly PendingEvent[], tips: Map<string, ChainTip>): SequencedBatch {
  const before = new Map<string, { seq: bigint; hash: string }>();
  const recordedAtText = lastTimeText();
  const events = pending.map((event) => {
    const tip = tips.get(event.chain_id);
    if (!tip) throw new Error(`audit chain head ${event.chain_id} is unknown`);
    if (!before.has(event.chain_id)) before.set(event.chain_id, { seq: tip.seq, hash: tip.hash });
    const recordedAtMs = Math.max(Number(event.now_ms), tip.recordedAt.getTime());
    const fields = hashedFields(event, (tip.seq + 1n).toString(), recordedAtText(recordedAtMs));
    const hash = eventHash(tip.hash, fields);
    appendLeaf(tip.frontier, tip.seq, eventLeafHash(hash));
    const sequenced = {
      id: event.id,
      chain_seq: fields.chain_seq,
      recorded_at: fields.recorded_at,
      prev_hash: tip.hash,
      hash,
    };
    tip.seq += 1n;
    tip.hash = hash;
    if (recordedAtMs !== tip.recordedAt.getTime()) tip.recordedAt = new Date(recordedAtMs);
    return sequenced;
  });
  const after = new Map([...before.keys()].map((id) => [id, tips.get(id) as ChainTip]));
  return { events, before, after };
}

/** ISO text of epoch milliseconds, remembering the last: a batch's events mostly share one recorded_at. */
function lastTimeText(): (ms: number) => string {
  let lastMs = Number.NaN;
  let lastText = '';
  return (ms) => {
    if (ms !== lastMs) {
      lastMs = ms;
      lastText = new Date(ms).toISOString();
    }
    return lastText;
  };
}

function hashedFields(event: PendingEvent, chainSeq: string, recordedAt: string): HashedFields {
  return {
    id: event.id,
    chain_id: event.chain_id,
    chain_seq: chainSeq,
    recorded_at: recordedAt,
    occurred_at: event.occurred_at,
    request_id: event.request_id,
    partner_id: event.partner_id,
    environment: event.environment,
    actor_type: event.actor_type,
    actor_id: event.actor_id,
    action: event.action,
    method: event.method,
    path: event.path,
    status: event.status === null ? null : Number(event.status),
    error_code: event.error_code,
    client_ip: event.client_ip,
    user_agent: event.user_agent,
    latency_ms: event.latency_ms === null ? null : Number(event.latency_ms),
    detail: event.detail,
  };
}

/** Writes a batch in one statement. False when another sequencer got there first (nothing was written). */
export async function commitBatch(db: Queryable, batch: SequencedBatch): Promise<boolean> {
  const chains = [...batch.after.keys()];
  const { events } = batch;
  try {
    await db.query(
      `WITH moved AS (
         UPDATE audit_chain_heads h
            SET chain_seq = t.seq, hash = t.hash, recorded_at = t.recorded_at, frontier = t.frontier
           FROM unnest($1::text[], $2::bigint[], $3::text[], $4::timestamptz[], $5::text[], $6::bigint[],
                       $7::text[]) AS t(chain_id, seq, hash, recorded_at, frontier, expected_seq, expected_hash)
          WHERE h.chain_id = t.chain_id AND h.chain_seq = t.expected_seq AND h.hash = t.expected_hash
         RETURNING 1),
       placed AS (
         UPDATE audit_events e
            SET chain_seq = s.chain_seq, recorded_at = s.recorded_at, prev_hash = s.prev_hash, hash = s.hash
           FROM json_to_recordset($8::json)
                AS s(id text, chain_seq bigint, recorded_at timestamptz, prev_hash text, hash text)
          WHERE e.id = s.id AND e.chain_seq IS NULL
         RETURNING 1)
       SELECT tessera_expect_sequenced((SELECT count(*) FROM moved), $9::int,
                                       (SELECT count(*) FROM placed), $10::int)`,
      [
        chains,
        chains.map((id) => batch.after.get(id)?.seq.toString()),
        chains.map((id) => batch.after.get(id)?.hash),
        chains.map((id) => batch.after.get(id)?.recordedAt.toISOString()),
        chains.map((id) => frontierToHex(batch.after.get(id)?.frontier ?? [])),
        chains.map((id) => batch.before.get(id)?.seq.toString()),
        chains.map((id) => batch.before.get(id)?.hash),
        // One JSON parameter: V8 serialises it natively, where the driver would escape each array element.
        JSON.stringify(events),
        chains.length,
        events.length,
      ],
    );
    return true;
  } catch (error) {
    if (ANOTHER_SEQUENCER.has(String((error as { code?: unknown }).code))) return false;
    throw error;
  }
}

/**
 * Sequences every event ingested before the call, reading the heads afresh for each batch: for the seal of a CLI or an
 * export that must see every event so far, and for tests. Retries when another sequencer got there first.
 */
export async function sequenceAllPending(db: Queryable, batchSize = 2_000): Promise<number> {
  // Only what was ingested before the call: under a steady stream of new events this still ends.
  const [last] = await db.query<{ seq: string }>(
    'SELECT coalesce(max(seq), 0)::text AS seq FROM audit_events',
  );
  let placed = 0;
  for (let conflicts = 0; conflicts < 100; ) {
    const pending = await readPending(db, batchSize, last?.seq ?? '0');
    if (pending.length === 0) return placed;
    const tips = await loadTips(db, [...new Set(pending.map((e) => e.chain_id))].sort());
    if (await commitBatch(db, sequenceBatch(pending, tips))) placed += pending.length;
    else conflicts++;
  }
  throw new Error('audit events could not be sequenced: another sequencer kept moving the chains');
}
