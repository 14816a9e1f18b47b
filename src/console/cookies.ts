// Cookie names and attributes. Over HTTPS the `__Host-` prefix (RFC 6265bis §4.1.3.2) pins the cookie to
// this exact host, path / and Secure, so a sibling subdomain cannot plant or shadow it. `Secure` is left
// off only for plain HTTP on a loopback address (local development), where browsers would drop it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isLoopbackHost } from '../net/loopback.ts';

export type CookieKind = 'session' | 'login';

const BASE_NAMES: Record<CookieKind, string> = { session: 'tessera_session', login: 'tessera_login' };

function overHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

export function cookieName(request: FastifyRequest, kind: CookieKind): string {
  return overHttps(request) ? `__Host-${BASE_NAMES[kind]}` : BASE_NAMES[kind];
}

function isLoopbackRequest(request: FastifyRequest): boolean {
  return isLoopbackHost(request.hostname.replace(/:\d+$/, ''));
}

export function readCookie(request: FastifyRequest, kind: CookieKind): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  const name = cookieName(request, kind);
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

export function setCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  kind: CookieKind,
  value: string,
): void {
  const secure = overHttps(request) || !isLoopbackRequest(request) ? '; Secure' : '';
  reply.header(
    'set-cookie',
    `${cookieName(request, kind)}=${value}; Path=/; HttpOnly; SameSite=Strict${secure}`,
  );
}

export function clearCookie(request: FastifyRequest, reply: FastifyReply, kind: CookieKind): void {
  const secure = overHttps(request) || !isLoopbackRequest(request) ? '; Secure' : '';
  reply.header(
    'set-cookie',
    `${cookieName(request, kind)}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`,
  );
}
