// What the pipeline stages prove about a request, carried on the request for the stages after them and
// for the handler. The presented secret is kept only for the signature stage and is never serialised.
import type { AuditDetail } from '../audit/event.ts';
import type { Environment, Scope as TenantScope } from '../db/database.ts';
import type { RouteTable } from '../http/route-table.ts';
import type { VerifiedKey } from '../keys/key-cache.ts';
import type { Scope } from '../keys/scopes.ts';
import type { StaffIdentity } from '../staff/identity.ts';
import type { StaffPermission } from '../staff/permissions.ts';

export type RouteKind = 'public' | 'read' | 'signedWrite' | 'admin';

export interface RouteSecurity {
  kind: RouteKind;
  /** The permission a key needs for this route (read and signedWrite routes). */
  scope?: Scope;
  /** `raw`: the body is forwarded as received and never parsed as JSON (gateway routes). */
  body?: 'json' | 'raw';
  /** The staff permission an admin route needs; an admin route that declares none needs `admin`. */
  staff?: StaffPermission;
}

/** The one way to derive a caller's scope: the partner and environment of the key it proved. */
export function scopeOfKey(key: Pick<VerifiedKey, 'partnerId' | 'environment'>): TenantScope {
  return { partnerId: key.partnerId, environment: key.environment };
}

export class RequestContext {
  key: VerifiedKey | undefined;
  /** The key a rejected request claimed to be (known prefix, wrong secret…): its partner sees the attempt. */
  claimedKey: VerifiedKey | undefined;
  /** Set by the admin stage once the admin token is verified. */
  admin = false;
  /** Set with `admin`: the person (or the automation token) the admin stage proved. */
  staff: StaffIdentity | undefined;
  errorCode: string | undefined;
  idempotencyKey: string | undefined;
  /** The verified X-Signature, decoded: the one form the replay store sees. */
  signature: Buffer | undefined;
  /** The write's audit event was committed inside its own transaction; the audit stage must not add one. */
  auditedInTransaction = false;
  /** Extra facts for the request's audit event (a gateway route adds its upstream, status and latency). */
  auditDetail: AuditDetail | undefined;
  #secret: string | undefined;

  constructor(
    readonly requestId: string,
    readonly startedAt: number,
    readonly clientIp: string,
  ) {}

  /** The scope every query of this request runs in: the proven key's, never the one it claimed. */
  scope(): TenantScope {
    if (!this.key) throw new Error('a partner route ran without an authenticated key');
    return scopeOfKey(this.key);
  }

  setPresentedSecret(secret: string): void {
    this.#secret = secret;
  }

  /** The HMAC key of the seed's signing scheme: the secret the caller authenticated with. */
  presentedSecret(): string | undefined {
    return this.#secret;
  }

  /** Whose audit chain this request belongs to: the proven key, else the key it claimed to be. */
  get attribution(): { partnerId: string | null; environment: Environment | null; prefix: string | null } {
    const key = this.key ?? this.claimedKey;
    return {
      partnerId: key?.partnerId ?? null,
      environment: key?.environment ?? null,
      prefix: key?.prefix ?? null,
    };
  }

  toJSON(): Record<string, unknown> {
    return { requestId: this.requestId, partnerId: this.key?.partnerId, prefix: this.key?.prefix };
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    tessera: RequestContext;
    rawBody: Buffer | undefined;
  }
  interface FastifyContextConfig {
    security?: RouteSecurity;
  }
  interface FastifyInstance {
    /** Every route with its declared security (src/http/route-table.ts). */
    routeTable: RouteTable;
  }
}
