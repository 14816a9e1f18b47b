// What console routes receive, and what the console's hooks prove about a request before its handler runs.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Actor } from '../actor.ts';
import type { AppDeps } from '../deps.ts';
import type { SecretBox } from './auth/secret-box.ts';
import type { ConsoleSession } from './auth/sessions.ts';
import type { Mailer } from './mailer.ts';
import { PageError } from './page-error.ts';
import type { Area } from './roles.ts';

export interface ConsoleDeps extends AppDeps {
  readonly box: SecretBox;
  readonly mailer: Mailer;
}

/**
 * What a console route requires, declared on the route and enforced by one hook: `anonymous` (sign-in
 * pages, login-CSRF cookie on POST), `partial` (signed in, second factor pending), `member` (fully signed
 * in, any role), or an area the user's role must grant.
 */
export type ConsoleAccess = 'anonymous' | 'partial' | 'member' | Area;

declare module 'fastify' {
  interface FastifyContextConfig {
    console?: ConsoleAccess;
  }
  interface FastifyRequest {
    consoleSession: ConsoleSession | undefined;
  }
}

export function access(level: ConsoleAccess) {
  return { config: { console: level } };
}

export function formOf(request: FastifyRequest): URLSearchParams {
  return request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
}

export function field(request: FastifyRequest, name: string, maxLength = 500): string {
  return (formOf(request).get(name) ?? '').slice(0, maxLength);
}

export function jsonOf(request: FastifyRequest): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(request.rawBody?.toString('utf8') ?? '{}');
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function sessionOf(request: FastifyRequest): ConsoleSession {
  const session = request.consoleSession;
  if (!session)
    throw new PageError(401, 'Please sign in', 'Your session has ended. Sign in again to continue.');
  return session;
}

export function actorOf(request: FastifyRequest, deps: AppDeps): Actor {
  const session = sessionOf(request);
  return new Actor('user', session.user.id, request.id, request.tessera.clientIp, () => new Date(deps.now()));
}

export function sendHtml(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

export function redirect(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('location', location).send();
}
