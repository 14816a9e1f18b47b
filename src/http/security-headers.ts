// Response headers every API answer carries. HSTS (RFC 6797) is sent only over HTTPS, where browsers
// honour it; the rest stop sniffing, framing, referrer leaks and caching of partner data.
import type { FastifyReply } from 'fastify';

export const HSTS = 'max-age=63072000; includeSubDomains; preload';

export function setSecurityHeaders(reply: FastifyReply, overHttps: boolean): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cross-origin-resource-policy', 'same-origin');
  reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
  reply.header('cache-control', 'no-store');
  if (overHttps) reply.header('strict-transport-security', HSTS);
}
