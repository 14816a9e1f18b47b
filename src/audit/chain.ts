// The hash chain. An event's hash is SHA-256 over the previous hash of its chain and the event's canonical
// form: a JSON array of its fields in a fixed order, with object keys sorted, so the same event always
// hashes the same way in the database, in a JSONL export and in a CSV export.
import { hash } from 'node:crypto';
import type { ChainedAuditEvent } from './event.ts';

export const GENESIS_HASH = '0'.repeat(64);

export type HashedFields = Omit<ChainedAuditEvent, 'seq' | 'prev_hash' | 'hash'>;

export function canonicalForm(event: HashedFields): string {
  const fields = [
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
  ];
  // For strings, numbers, booleans and null, JSON.stringify of the array is canonicalJson of it, in one call;
  // anything else (only a malformed event has it) takes the general path, whose output is the reference.
  if (!fields.every(isJsonScalar)) return canonicalJson([...fields, event.detail]);
  if (event.detail === null) {
    fields.push(null);
    return JSON.stringify(fields);
  }
  return `${JSON.stringify(fields).slice(0, -1)},${canonicalJson(event.detail)}]`;
}

function isJsonScalar(value: unknown): boolean {
  return (
    value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
  );
}

/** hex(SHA-256(UTF-8(prevHash + LF + canonical form))): one-shot hashing, no Hash object per event. */
export function eventHash(prevHash: string, event: HashedFields): string {
  return hash('sha256', `${prevHash}\n${canonicalForm(event)}`, 'hex');
}

/** The §1 timestamp form (`YYYY-MM-DDTHH:MM:SS.sssZ`) with each field in its range. */
const CANONICAL_TIME =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/**
 * Whether `new Date(text).toISOString()` would give `text` back, decided without the parse: it does for the
 * §1 form when the day exists in its month (Date rolls 2026-02-30 over into March).
 */
function isCanonicalTime(text: string): boolean {
  if (!CANONICAL_TIME.test(text)) return false;
  const day = Number(text.slice(8, 10));
  return day <= 28 || day <= daysInMonth(Number(text.slice(0, 4)), Number(text.slice(5, 7)));
}

/** In the proleptic Gregorian calendar, as Date counts. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Timestamps are hashed as ISO 8601 UTC with milliseconds, whatever form the database returned. */
export function normaliseTime(value: string | Date): string {
  if (typeof value === 'string' && isCanonicalTime(value)) return value;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/**
 * SQL selecting a timestamptz column as text already in the §1 form (UTC, milliseconds cut off as JavaScript's
 * Date cuts them), so the driver does not parse each into a Date only for it to be written back as text.
 */
export function canonicalTimeColumn(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`;
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
