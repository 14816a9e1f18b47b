// What one audit event records. Never a secret, signature, full key or request body.
import type { Environment } from '../db/database.ts';

export type ActorType = 'key' | 'admin' | 'user' | 'system' | 'anonymous' | 'staff' | 'automation';

export type AuditDetail = Record<string, string | number | boolean | null | string[]>;

export interface AuditEventInput {
  readonly occurredAt: Date;
  readonly requestId: string | null;
  readonly partnerId: string | null;
  readonly environment: Environment | null;
  readonly actorType: ActorType;
  /** A key prefix, 'admin', a user id; never a secret. */
  readonly actorId: string | null;
  /** 'api.request', 'admin.request', 'key.created', 'key.revoked', … */
  readonly action: string;
  readonly method?: string | null;
  readonly path?: string | null;
  readonly status?: number | null;
  readonly errorCode?: string | null;
  readonly clientIp?: string | null;
  readonly userAgent?: string | null;
  readonly latencyMs?: number | null;
  readonly detail?: AuditDetail | null;
}

/** An event as stored: its place in its chain and the hashes that bind it there. */
export interface ChainedAuditEvent {
  seq: string;
  id: string;
  chain_id: string;
  chain_seq: string;
  recorded_at: string;
  occurred_at: string;
  request_id: string | null;
  partner_id: string | null;
  environment: string | null;
  actor_type: string;
  actor_id: string | null;
  action: string;
  method: string | null;
  path: string | null;
  status: number | null;
  error_code: string | null;
  client_ip: string | null;
  user_agent: string | null;
  latency_ms: number | null;
  detail: AuditDetail | null;
  prev_hash: string;
  hash: string;
}

export function chainIdOf(partnerId: string | null, environment: Environment | null): string {
  if (partnerId === null) return '-';
  return environment === null ? partnerId : `${partnerId}/${environment}`;
}
