// The caller's scope (partner + environment), as proven by the authentication stage. Every domain query
// takes it and repeats it in its WHERE clause; row-level security checks the same pair again.
import type { FastifyRequest } from 'fastify';
import type { Scope } from '../db/database.ts';

export function callerScope(request: FastifyRequest): Scope {
  return request.tessera.scope();
}
