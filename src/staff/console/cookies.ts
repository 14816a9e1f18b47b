// The staff console's cookies. Over HTTPS the `__Host-` prefix pins them to this host, path / and Secure.
// The session cookie is SameSite=Strict; the one-time sign-in cookie is Lax, because it must come back on
// the provider's cross-site redirect to /staff/callback.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isLoopbackHost } from '../../net/loopback.ts';

type StaffCookie = 'tessera_staff_session' | 'tessera_staff_login';

const SAME_SITE: Record<StaffCookie, string> = {
  tessera_staff_session: 'Strict',
  tessera_staff_login: 'Lax',
};

function nameOf(request: FastifyRequest, cookie: StaffCookie): string {
  return request.protocol === 'https' ? `__Host-${cookie}` : cookie;
}

function secureAttr(request: FastifyRequest): string {
  const loopback = isLoopbackHost(request.hostname.replace(/:\d+$/, ''));
  return request.protocol === 'https' || !loopback ? '; Secure' : '';
}

export function readStaffCookie(request: FastifyRequest, cookie: StaffCookie): string | undefined {
  const name = nameOf(request, cookie);
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

export function setStaffCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  cookie: StaffCookie,
  value: string,
  maxAgeS?: number,
) {
  const age = maxAgeS === undefined ? '' : `; Max-Age=${maxAgeS}`;
  reply.header(
    'set-cookie',
    `${nameOf(request, cookie)}=${value}; Path=/; HttpOnly; SameSite=${SAME_SITE[cookie]}${age}${secureAttr(request)}`,
  );
}

export function clearStaffCookie(request: FastifyRequest, reply: FastifyReply, cookie: StaffCookie) {
  setStaffCookie(request, reply, cookie, '', 0);
}
