// Appends events to their hash chains inside the caller's transaction: the chain heads involved are locked
// (in a fixed order, so concurrent batches cannot deadlock), each event is hashed onto its chain, and the
// events and new heads are written in two statements whatever the batch size.

import type { Queryable } from '../db/database.ts';
import { newId } from '../ids.ts';
import { eventHash, GENESIS_HASH, type HashedFields } from './chain.ts';
import { type AuditEventInput, chainIdOf } from './event.ts';

interface Head {
  chain_id: string;
  chain_seq: string;
  hash: string;
  now: Date;
}

export async function appendAuditEvents(tx: Queryable, events: readonly AuditEventInput[]): Promise<void> {
  if (events.length === 0) return;
  const chainIds = [...new Set(events.map((e) => chainIdOf(e.partnerId, e.environment)))].sort();
  // One statement creates any missing head and locks every head involved (an upsert takes the row lock),
  // in chain_id order so that concurrent batches cannot deadlock.
  const heads = await tx.query<Head>(
    `INSERT INTO audit_chain_heads AS h (chain_id, chain_seq, hash)
     SELECT id, 0, $2 FROM unnest($1::text[]) AS id ORDER BY id
     ON CONFLICT (chain_id) DO UPDATE SET chain_id = h.chain_id
     RETURNING h.chain_id, h.chain_seq::text AS chain_seq, h.hash,
       greatest(date_trunc('milliseconds', clock_timestamp()), h.recorded_at) AS now`,
    [chainIds, GENESIS_HASH],
  );
  const tips = new Map(
    heads.map((h) => [h.chain_id, { seq: BigInt(h.chain_seq), hash: h.hash, now: h.now }]),
  );

  const rows: Array<HashedFields & { prev_hash: string; hash: string }> = [];
  for (const event of events) {
    const chainId = chainIdOf(event.partnerId, event.environment);
    const tip = tips.get(chainId);
    if (!tip) throw new Error(`audit chain head ${chainId} was not locked`);
    tip.seq += 1n;
    const fields: HashedFields = {
      id: newId('event'),
      chain_id: chainId,
      chain_seq: tip.seq.toString(),
      recorded_at: new Date(tip.now).toISOString(),
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
    rows.push({ ...fields, prev_hash: tip.hash, hash });
    tip.hash = hash;
  }

  await insertEventsAndMoveHeads(tx, rows, tips);
}

async function insertEventsAndMoveHeads(
  tx: Queryable,
  rows: ReadonlyArray<HashedFields & { prev_hash: string; hash: string }>,
  tips: ReadonlyMap<string, { seq: bigint; hash: string; now: Date }>,
) {
  const column = <K extends keyof (typeof rows)[number]>(name: K) => rows.map((row) => row[name]);
  // The events and the new heads in one statement: one round trip whatever the batch size.
  await tx.query(
    `WITH moved AS (
       UPDATE audit_chain_heads h SET chain_seq = t.seq, hash = t.hash, recorded_at = t.recorded_at
         FROM unnest($22::text[], $23::bigint[], $24::text[], $25::timestamptz[]) AS t(chain_id, seq, hash, recorded_at)
        WHERE h.chain_id = t.chain_id)
     INSERT INTO audit_events (id, chain_id, chain_seq, recorded_at, occurred_at, request_id, partner_id,
       environment, actor_type, actor_id, action, method, path, status, error_code, client_ip, user_agent,
       latency_ms, detail, prev_hash, hash)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[], $5::timestamptz[],
       $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
       $14::int[], $15::text[], $16::text[], $17::text[], $18::float8[], $19::jsonb[], $20::text[], $21::text[])`,
    [
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
      [...tips.keys()],
      [...tips.values()].map((t) => t.seq.toString()),
      [...tips.values()].map((t) => t.hash),
      [...tips.values()].map((t) => new Date(t.now).toISOString()),
    ],
  );
}
