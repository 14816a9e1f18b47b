// The two ends of every request that Tessera answers, shared by the normal lifecycle (server.ts hooks) and
// by the answers Fastify produces before routing (framework-errors.ts): the start stamps the request id and
// the security headers; the end writes the one log line.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequestContext } from '../pipeline/context.ts';
import { setSecurityHeaders } from './security-headers.ts';

export function beginRequest(
  request: FastifyRequest,
  reply: FastifyReply,
  now: number,
  clientIp: string = request.ip,
): void {
  request.tessera = new RequestContext(request.id, now, clientIp);
  reply.header('x-request-id', request.id);
  setSecurityHeaders(reply, request.protocol === 'https');
}

/**
 * One line per request, from an allowlist of fields: never headers, bodies, keys or signatures. The request
 * id is already on the line, as `request_id`, from the request's child logger.
 */
export function logRequest(request: FastifyRequest, reply: FastifyReply, elapsedMs: number): void {
  const ctx = request.tessera;
  request.log.info(
    {
      method: request.method,
      path: request.url.split('?')[0],
      status: reply.statusCode,
      code: ctx.errorCode,
      partner: ctx.attribution.partnerId,
      prefix: ctx.attribution.prefix,
      ms: Math.round(elapsedMs),
    },
    'request',
  );
}
