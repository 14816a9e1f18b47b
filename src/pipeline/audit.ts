// Stage: the audit record. Every request to the partner and admin APIs, accepted or rejected, becomes an
// audit event that is durable before the response is released (group commit; writes commit theirs inside
// their own transaction). If the event cannot be made durable the client gets 503, never a success that
// the log does not show.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditEventInput } from '../audit/event.ts';
import type { GroupCommitWriter } from '../audit/group-commit.ts';
import { apiError, errorBody } from '../errors.ts';
import { addressBucket } from '../net/address-bucket.ts';
import { staffActorFields, staffAuditDetail } from '../staff/identity.ts';
import type { RejectionAggregator } from './rejection-aggregator.ts';
import type { UnauthenticatedLimit } from './unauthenticated-limit.ts';

const MAX_USER_AGENT = 256;
const MAX_PATH = 2048;

export function auditEventFor(request: FastifyRequest, status: number, now: number): AuditEventInput {
  const ctx = request.tessera;
  const { partnerId, environment, prefix } = ctx.attribution;
  const admin = request.routeOptions.config.security?.kind === 'admin';
  const userAgent = request.headers['user-agent'];
  const staff = admin && ctx.staff ? ctx.staff : undefined;
  return {
    occurredAt: new Date(ctx.startedAt),
    requestId: ctx.requestId,
    partnerId,
    environment,
    actorType: staff ? staffActorFields(staff).actorType : admin ? 'anonymous' : prefix ? 'key' : 'anonymous',
    actorId: staff ? staffActorFields(staff).actorId : admin ? null : prefix,
    action: admin ? 'admin.request' : 'api.request',
    method: request.method,
    // The path without its query string: query values can carry data the partner would not want logged.
    path: request.url.split('?')[0]?.slice(0, MAX_PATH) ?? null,
    status,
    errorCode: ctx.errorCode ?? null,
    clientIp: ctx.clientIp,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, MAX_USER_AGENT) : null,
    latencyMs: Math.max(0, now - ctx.startedAt),
    detail: staff ? staffAuditDetail(staff) : (ctx.auditDetail ?? null),
  };
}

/** Requests rejected before anyone was identified: counted against their address and aggregated. */
export interface UnauthenticatedRejections {
  limit: UnauthenticatedLimit;
  aggregator: RejectionAggregator;
}

/**
 * onSend hook for audited surfaces: waits for the request's event to be durable. Once per request: a
 * streamed export whose stream fails after its 200 was recorded must not add a contradicting 500 event.
 */
export function auditBeforeRelease(
  writer: Pick<GroupCommitWriter, 'record'>,
  now: () => number,
  unauthenticated?: UnauthenticatedRejections,
) {
  const recorded = new WeakSet<FastifyRequest>();
  return async function auditBeforeRelease(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
    const kind = request.routeOptions.config.security?.kind;
    if (kind === 'public' || request.tessera.auditedInTransaction || recorded.has(request)) return payload;
    recorded.add(request);
    if (kind === undefined && !isAuditedPath(request.url)) return payload;
    try {
      const event = auditEventFor(request, reply.statusCode, now());
      if (unauthenticated && isUnauthenticatedRejection(request, reply.statusCode)) {
        if (kind !== 'admin') unauthenticated.limit.countFailure(request.tessera.clientIp);
        await unauthenticated.aggregator.record(event, samenessOf(request, event));
      } else {
        await writer.record(event);
      }
      return payload;
    } catch (error) {
      request.log.error({ event: 'audit.write_failed', err: error }, 'audit event could not be made durable');
      reply.code(503).type('application/json; charset=utf-8');
      reply.removeHeader('idempotent-replayed');
      return JSON.stringify(errorBody(apiError('service.unavailable'), request.tessera.requestId));
    }
  };
}

/**
 * A client's failure (4xx) with no proven key. A 5xx is Tessera's own failure (the database is down, say):
 * counting it would leave every client limited for a window after the outage ends.
 */
function isUnauthenticatedRejection(request: FastifyRequest, status: number): boolean {
  return status >= 400 && status < 500 && request.tessera.key === undefined && !request.tessera.admin;
}

/**
 * What makes two rejections "the same": address (an IPv6 client per /64), whose chain, code and route. The
 * route is the matched pattern, and one value for every unmatched path, so varying the path or an id does
 * not make each request a new event.
 */
function samenessOf(request: FastifyRequest, event: AuditEventInput): string {
  const route = request.is404 ? '(no route)' : (request.routeOptions.url ?? '(no route)');
  return JSON.stringify([
    addressBucket(request.tessera.clientIp),
    event.partnerId,
    event.environment,
    event.actorId,
    event.status,
    event.errorCode,
    request.method,
    route,
  ]);
}

/** Requests that matched no route are audited too when they were aimed at an API surface. */
function isAuditedPath(url: string): boolean {
  return url.startsWith('/v1/') || url.startsWith('/admin/');
}
