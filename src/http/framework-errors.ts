// Fastify answers a few requests itself, before routing and before any hook runs: a path whose
// percent-encoding does not decode (`/v1/bookings/bkg_%ff`) and a path parameter over the router's length
// limit. Left alone those answers carry Fastify's own body and none of ours. This handler gives them
// everything a routed answer has: a catalogued `{code, message, request_id}`, X-Request-Id, the security
// headers, the audit event (before the answer is released) and the log line.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { GroupCommitWriter } from '../audit/group-commit.ts';
import { ApiError, apiError, type ErrorCode, errorBody } from '../errors.ts';
import type { IpMatcher } from '../net/cidr.ts';
import { forwardedClientAddress } from '../net/forwarded-client.ts';
import { auditBeforeRelease, type UnauthenticatedRejections } from '../pipeline/audit.ts';
import { beginRequest, logRequest } from './request-lifecycle.ts';

/**
 * An over-long path parameter is no id Tessera ever issued: it gets the same 404 as any malformed or
 * unknown id, so the answer does not reveal where the length limit lies. A path that does not decode is
 * not a request we can route at all: 400.
 */
const PRE_ROUTING_CODES: Record<string, ErrorCode> = {
  FST_ERR_BAD_URL: 'request.invalid',
  FST_ERR_MAX_PARAM_LENGTH: 'resource.not_found',
};

export interface FrameworkErrorOptions {
  auditWriter: Pick<GroupCommitWriter, 'record'>;
  now: () => number;
  trustedProxies: IpMatcher;
  unauthenticated: UnauthenticatedRejections | undefined;
}

/**
 * These requests carry no identity, so they are treated as unauthenticated rejections like any other: past
 * the per-address limit they get 429, they count against it, and identical repeats become one audit event
 * per window (a flood of undecodable paths must not grow the audit log without bound either).
 */
export function frameworkErrorHandler(options: FrameworkErrorOptions) {
  const { now, unauthenticated } = options;
  const audit = auditBeforeRelease(options.auditWriter, now, unauthenticated);
  return function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const startedAt = now();
    beginRequest(request, reply, startedAt, forwardedClientAddress(request.raw, options.trustedProxies));
    const apiErr = overLimit(request, reply) ?? apiError(PRE_ROUTING_CODES[error.code] ?? 'internal.error');
    if (apiErr.code === 'internal.error')
      request.log.error({ err: error, event: 'request.failed' }, 'unexpected');
    request.tessera.errorCode = apiErr.code;
    for (const [name, value] of Object.entries(apiErr.headers ?? {})) reply.header(name, value);
    reply.code(apiErr.status).type('application/json; charset=utf-8');
    const body = JSON.stringify(errorBody(apiErr, request.tessera.requestId));
    // This context has no hooks: the audit and the log line that they would run are run here.
    void audit(request, reply, body).then((released) => {
      reply.send(released);
      logRequest(request, reply, now() - startedAt);
    });
  };

  function overLimit(request: FastifyRequest, reply: FastifyReply): ApiError | undefined {
    try {
      unauthenticated?.limit.stage(request, reply);
      return undefined;
    } catch (error) {
      if (error instanceof ApiError) return error;
      throw error;
    }
  }
}
