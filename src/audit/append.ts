// Ingestion: events are inserted unsequenced, in the caller's transaction (a write commits its event with
// its change) or by the group commit, in one statement whatever the batch size. Nothing here locks a
// chain: the event is durable once its transaction commits, and the sequencer (sequencer.ts) later gives it
// its position, recorded_at and hashes. Because a chain's order is decided there, two partners' writes, or
// one partner's concurrent writes, never wait for each other here.
import type { Queryable } from '../db/database.ts';
import { newId } from '../ids.ts';
import { type AuditEventInput, chainIdOf } from './event.ts';

export async function appendAuditEvents(db: Queryable, events: readonly AuditEventInput[]): Promise<void> {
  if (events.length === 0) return;
  const column = <T>(pick: (event: AuditEventInput) => T) => events.map(pick);
  await db.query(
    `INSERT INTO audit_events (id, chain_id, occurred_at, request_id, partner_id, environment, actor_type,
       actor_id, action, method, path, status, error_code, client_ip, user_agent, latency_ms, detail)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[],
       $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::int[], $13::text[], $14::text[],
       $15::text[], $16::float8[], $17::jsonb[])`,
    [
      column(() => newId('event')),
      column((e) => chainIdOf(e.partnerId, e.environment)),
      column((e) => e.occurredAt.toISOString()),
      column((e) => e.requestId),
      column((e) => e.partnerId),
      column((e) => e.environment),
      column((e) => e.actorType),
      column((e) => e.actorId),
      column((e) => e.action),
      column((e) => e.method ?? null),
      column((e) => e.path ?? null),
      column((e) => e.status ?? null),
      column((e) => e.errorCode ?? null),
      column((e) => e.clientIp ?? null),
      column((e) => e.userAgent ?? null),
      column((e) => e.latencyMs ?? null),
      column((e) => (e.detail ? JSON.stringify(e.detail) : null)),
    ],
  );
}
