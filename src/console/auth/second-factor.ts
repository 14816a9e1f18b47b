// Turning a partial session into a full one once a second factor is proven: the partial session is
// revoked and a new one (new id, new CSRF token) is issued, so a session id seen before sign-in
// (session fixation) is worthless after it. Wrong codes count against a per-user throttle.
import type { FastifyRequest } from 'fastify';
import { Actor } from '../../actor.ts';
import { appendAuditEvents } from '../../audit/append.ts';
import type { AuditDetail } from '../../audit/event.ts';
import type { Database } from '../../db/database.ts';
import { PageError } from '../page-error.ts';
import { type ConsoleSession, createSession, revokeSession } from './sessions.ts';
import { clear, hit, isBlocked, THROTTLES } from './throttle.ts';

export async function completeSignIn(
  db: Database,
  request: FastifyRequest,
  session: ConsoleSession,
  factor: string,
  now: number,
  extraEvents: Array<{ action: string; detail?: AuditDetail }> = [],
): Promise<string> {
  const actor = new Actor('user', session.user.id, request.id, request.tessera.clientIp, () => new Date(now));
  const cookie = await db.transaction(async (tx) => {
    await revokeSession(tx, session.user.id, session.idSha256, now);
    const value = await createSession(
      tx,
      {
        userId: session.user.id,
        mfaVerified: true,
        clientIp: request.tessera.clientIp,
        userAgent: request.headers['user-agent'],
      },
      now,
    );
    const target = { partnerId: session.user.partner_id, environment: null };
    await appendAuditEvents(tx, [
      ...extraEvents.map((e) =>
        actor.event(e.action, { ...target, ...(e.detail ? { detail: e.detail } : {}) }),
      ),
      actor.event('console.signed_in', { ...target, detail: { factor } }),
    ]);
    return value;
  });
  await clear(db, wrongCodeBucket(session.user.id));
  return cookie;
}

export function wrongCodeBucket(userId: string): string {
  return `mfa:${userId}`;
}

export async function refuseIfThrottled(db: Database, userId: string, now: number): Promise<void> {
  if (await isBlocked(db, wrongCodeBucket(userId), THROTTLES.wrongCodes, now)) {
    throw new PageError(
      429,
      'Too many wrong codes',
      'For your protection, wait 15 minutes before trying again.',
    );
  }
}

export async function countWrongCode(
  db: Database,
  request: FastifyRequest,
  session: ConsoleSession,
  now: number,
) {
  await hit(db, wrongCodeBucket(session.user.id), THROTTLES.wrongCodes, now);
  const actor = new Actor('user', session.user.id, request.id, request.tessera.clientIp, () => new Date(now));
  await db.transaction((tx) =>
    appendAuditEvents(tx, [
      actor.event('console.mfa_failed', { partnerId: session.user.partner_id, environment: null }),
    ]),
  );
}
