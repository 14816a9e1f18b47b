// What the staff console's hooks prove about a request, and what its routes declare they need.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PageError } from '../../console/page-error.ts';
import type { StaffPermission } from '../permissions.ts';
import type { StaffSession } from '../sessions.ts';

/** `anonymous` for the sign-in pages; otherwise the permission a page or action needs. */
export type StaffAccess = 'anonymous' | StaffPermission;

declare module 'fastify' {
  interface FastifyContextConfig {
    staffConsole?: StaffAccess;
  }
  interface FastifyRequest {
    staffSession: StaffSession | undefined;
  }
}

export function staffAccess(level: StaffAccess) {
  return { config: { staffConsole: level } };
}

export function staffSessionOf(request: FastifyRequest): StaffSession {
  const session = request.staffSession;
  if (!session) throw new PageError(401, 'Please sign in', 'Your staff session has ended. Sign in again.');
  return session;
}

export function formField(request: FastifyRequest, name: string, maxLength = 500): string {
  const form = request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
  return (form.get(name) ?? '').slice(0, maxLength);
}

export function sendPage(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('location', location).send();
}
