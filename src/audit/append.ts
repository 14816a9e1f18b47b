// Ingestion: events are inserted unsequenced, in the caller's transaction (a write commits its event with
// its change) or by the group commit, in one statement whatever the batch size. Nothing here locks a
// chain: the event is durable once its transaction commits, and the sequencer (sequencer.ts) later gives it
// its position, recorded_at and hashes. Because a chain's order is decided there, two partners' writes, or
// one partner's concurrent writes, never wait for each other here.
import type { Queryable } from '../db/database.ts';
import { newId } from '../ids.ts';
import { type AuditEventInput, chainIdOf } from './event.ts';

/**
 * The batch travels as one JSON parameter (json_to_recordset, in array order) rather than as an array per
 * column: V8 serialises it in one native call, where the driver would escape every element of 17 arrays in
 * JavaScript (measured: the largest part of what the group commit cost the node per request).
 */
export async function appendAuditEvents(db: Queryable, events: readonly AuditEventInput[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((e) => ({
    id: newId('event'),
    chain_id: chainIdOf(e.partnerId, e.environment),
    occurred_at: e.occurredAt.toISOString(),
    request_id: e.requestId,
    partner_id: e.partnerId,
    environment: e.environment,
    actor_type: e.actorType,
    actor_id: e.actorId,
    action: e.action,
    method: e.method ?? null,
    path: e.path ?? null,
    status: e.status ?? null,
    error_code: e.errorCode ?? null,
    client_ip: e.clientIp ?? null,
    user_agent: e.userAgent ?? null,
    latency_ms: e.latencyMs ?? null,
    detail: e.detail ?? null,
  }));
  await db.query(
    `INSERT INTO audit_events (id, chain_id, occurred_at, request_id, partner_id, environment, actor_type,
       actor_id, action, method, path, status, error_code, client_ip, user_agent, latency_ms, detail)
     SELECT * FROM json_to_recordset($1::json) AS e(id text, chain_id text, occurred_at timestamptz,
       request_id text, partner_id text, environment text, actor_type text, actor_id text, action text,
       method text, path text, status int, error_code text, client_ip text, user_agent text,
       latency_ms float8, detail jsonb)`,
    [JSON.stringify(rows)],
  );
}
