// Appends events to their hash chains. Two ways, one result:
// - `appendAuditEvents(tx, events)`, inside the caller's transaction: the chain heads involved are locked
//   (in a fixed order, so concurrent batches cannot deadlock), each event is hashed onto its chain, and the
//   events and new heads are written together. Writes use it to commit their event with their change.
// - `appendOntoKnownHeads(db, events, tips)`, for group commit: when the writer already knows the heads, one
//   autocommit statement writes the events and moves the heads only if nobody moved them meanwhile; it
//   returns undefined (and writes nothing) when someone did, and the caller falls back to the first way.
import type { Queryable } from '../db/database.ts';
import { newId } from '../ids.ts';
import { eventHash, GENESIS_HASH, type HashedFields } from './chain.ts';
import { type AuditEventInput, chainIdOf } from './event.ts';

/** Where a chain ends: its last position, hash and recorded_at (which never decreases along a chain). */
export interface ChainTip {
  seq: bigint;
  hash: string;
  recordedAt: Date;
}

type ChainedRow = HashedFields & { prev_hash: string; hash: string };

const HEADS_MOVED = 'TSA01';

export async function appendAuditEvents(
  tx: Queryable,
  events: readonly AuditEventInput[],
): Promise<Map<string, ChainTip>> {
  if (events.length === 0) return new Map();
  const chainIds = chainIdsOf(events);
  // One statement creates any missing head and locks every head involved (an upsert takes the row lock),
  // in chain_id order so that concurrent batches cannot deadlock.
  const heads = await tx.query<{ chain_id: string; chain_seq: string; hash: string; now: Date }>(
    `INSERT INTO audit_chain_heads AS h (chain_id, chain_seq, hash)
     SELECT id, 0, $2 FROM unnest($1::text[]) AS id ORDER BY id
     ON CONFLICT (chain_id) DO UPDATE SET chain_id = h.chain_id
     RETURNING h.chain_id, h.chain_seq::text AS chain_seq, h.hash,
       greatest(date_trunc('milliseconds', clock_timestamp()), h.recorded_at) AS now`,
    [chainIds, GENESIS_HASH],
  );
  const tips = new Map(
    heads.map((h) => [h.chain_id, { seq: BigInt(h.chain_seq), hash: h.hash, recordedAt: h.now }]),
  );
  const rows = chainRows(events, tips);
  await tx.query(insertStatement(false), insertParams(rows, tips, undefined));
  return tips;
}

/**
 * Appends onto heads the caller already knows, in one autocommit statement. Resolves to the new heads, or
 * to undefined when a head had moved (another node, or a write's own transaction): nothing was written.
 */
export async function appendOntoKnownHeads(
  db: Queryable,
  events: readonly AuditEventInput[],
  known: ReadonlyMap<string, ChainTip>,
  now: number = Date.now(),
): Promise<Map<string, ChainTip> | undefined> {
  const tips = new Map<string, ChainTip>();
  for (const chainId of chainIdsOf(events)) {
    const tip = known.get(chainId);
    if (!tip) return undefined;
    // Never before the chain's last event, whatever this node's clock says.
    const recordedAt = new Date(Math.max(Math.floor(now), tip.recordedAt.getTime()));
    tips.set(chainId, { ...tip, recordedAt });
  }
  const expected = new Map([...tips].map(([id, tip]) => [id, { seq: tip.seq, hash: tip.hash }]));
  const rows = chainRows(events, tips);
  try {
    await db.query(insertStatement(true), insertParams(rows, tips, expected));
    return tips;
  } catch (error) {
    if ((error as { code?: unknown }).code === HEADS_MOVED) return undefined;
    throw error;
  }
}

function chainIdsOf(events: readonly AuditEventInput[]): string[] {
  return [...new Set(events.map((e) => chainIdOf(e.partnerId, e.environment)))].sort();
}

/** Hashes each event onto its chain, advancing `tips` as it goes. */
function chainRows(events: readonly AuditEventInput[], tips: Map<string, ChainTip>): ChainedRow[] {
  return events.map((event) => {
    const chainId = chainIdOf(event.partnerId, event.environment);
    const tip = tips.get(chainId);
    if (!tip) throw new Error(`audit chain head ${chainId} is unknown`);
    tip.seq += 1n;
    const fields: HashedFields = {
      id: newId('event'),
      chain_id: chainId,
      chain_seq: tip.seq.toString(),
      recorded_at: new Date(tip.recordedAt).toISOString(),
      occurred_at: event.occurredAt.toISOString(),
      request_id: event.requestId,
      partner_id: event.partnerId,
      environment: event.environment,
      actor_type: event.actorType,
      actor_id: event.actorId,
      action: event.action,
      method: event.method ?? null,
      path: event.path ?? null,
      status: event.status ?? null,
      error_code: event.errorCode ?? null,
      client_ip: event.clientIp ?? null,
      user_agent: event.userAgent ?? null,
      latency_ms: event.latencyMs ?? null,
      detail: event.detail ?? null,
    };
    const hash = eventHash(tip.hash, fields);
    const row = { ...fields, prev_hash: tip.hash, hash };
    tip.hash = hash;
    return row;
  });
}

/**
 * The events and the new heads in one statement: one round trip whatever the batch size. With
 * `checkExpected`, a head moves only from where the writer saw it, and a head that had moved aborts the
 * statement (tessera_expect_heads_moved raises), so nothing of the batch is written.
 */
function insertStatement(checkExpected: boolean): string {
  const expectation = checkExpected ? 'AND h.chain_seq = t.expected_seq AND h.hash = t.expected_hash' : '';
  const check = checkExpected
    ? `, checked AS (SELECT tessera_expect_heads_moved((SELECT count(*) FROM moved), $28::int) AS ok)`
    : '';
  return `WITH moved AS (
       UPDATE audit_chain_heads h SET chain_seq = t.seq, hash = t.hash, recorded_at = t.recorded_at
         FROM unnest($22::text[], $23::bigint[], $24::text[], $25::timestamptz[], $26::bigint[], $27::text[])
              AS t(chain_id, seq, hash, recorded_at, expected_seq, expected_hash)
        WHERE h.chain_id = t.chain_id ${expectation}
       RETURNING h.chain_id)${check}
     INSERT INTO audit_events (id, chain_id, chain_seq, recorded_at, occurred_at, request_id, partner_id,
       environment, actor_type, actor_id, action, method, path, status, error_code, client_ip, user_agent,
       latency_ms, detail, prev_hash, hash)
     SELECT e.* FROM unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[], $5::timestamptz[],
       $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
       $14::int[], $15::text[], $16::text[], $17::text[], $18::float8[], $19::jsonb[], $20::text[], $21::text[])
       AS e${checkExpected ? ' CROSS JOIN checked WHERE checked.ok' : ''}`;
}

function insertParams(
  rows: readonly ChainedRow[],
  tips: ReadonlyMap<string, ChainTip>,
  expected: ReadonlyMap<string, { seq: bigint; hash: string }> | undefined,
): unknown[] {
  const column = <K extends keyof ChainedRow>(name: K) => rows.map((row) => row[name]);
  const chains = [...tips.keys()];
  const params: unknown[] = [
    column('id'),
    column('chain_id'),
    column('chain_seq'),
    column('recorded_at'),
    column('occurred_at'),
    column('request_id'),
    column('partner_id'),
    column('environment'),
    column('actor_type'),
    column('actor_id'),
    column('action'),
    column('method'),
    column('path'),
    column('status'),
    column('error_code'),
    column('client_ip'),
    column('user_agent'),
    column('latency_ms'),
    rows.map((row) => (row.detail === null ? null : JSON.stringify(row.detail))),
    column('prev_hash'),
    column('hash'),
    chains,
    chains.map((id) => tips.get(id)?.seq.toString()),
    chains.map((id) => tips.get(id)?.hash),
    chains.map((id) => tips.get(id)?.recordedAt.toISOString()),
    chains.map((id) => expected?.get(id)?.seq.toString() ?? null),
    chains.map((id) => expected?.get(id)?.hash ?? null),
  ];
  if (expected) params.push(chains.length);
  return params;
}
