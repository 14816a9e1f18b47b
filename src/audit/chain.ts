// The hash chain. An event's hash is SHA-256 over the previous hash of its chain and the event's canonical
// form: a JSON array of its fields in a fixed order, with object keys sorted, so the same event always
// hashes the same way in the database, in a JSONL export and in a CSV export.
import { sha256Hex } from '../crypto.ts';
import type { ChainedAuditEvent } from './event.ts';

export const GENESIS_HASH = '0'.repeat(64);

export type HashedFields = Omit<ChainedAuditEvent, 'seq' | 'prev_hash' | 'hash'>;

export function canonicalForm(event: HashedFields): string {
  return canonicalJson([
    event.id,
    event.chain_id,
    String(event.chain_seq),
    normaliseTime(event.recorded_at),
    normaliseTime(event.occurred_at),
    event.request_id,
    event.partner_id,
    event.environment,
    event.actor_type,
    event.actor_id,
    event.action,
    event.method,
    event.path,
    event.status,
    event.error_code,
    event.client_ip,
    event.user_agent,
    event.latency_ms,
    event.detail,
  ]);
}

export function eventHash(prevHash: string, event: HashedFields): string {
  return sha256Hex(`${prevHash}\n${canonicalForm(event)}`);
}

/** Timestamps are hashed as ISO 8601 UTC with milliseconds, whatever form the database returned. */
export function normaliseTime(value: string | Date): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
