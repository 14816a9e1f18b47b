// Step-up: the most sensitive changes (recovery codes, passkeys, live keys, the live allowlist) need a
// second factor given in the last 10 minutes, not just a signed-in session, so a session left open on
// an unlocked machine cannot quietly open the account further. The challenge page re-posts the original
// form with the code added, so nothing typed is lost.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { appendAuditEvents } from '../../audit/append.ts';
import { actorOf, type ConsoleDeps, field, formOf, sendHtml, sessionOf } from '../context.ts';
import { stepUpPage } from '../pages/step-up.ts';
import { countWrongCode, refuseIfThrottled } from './second-factor.ts';
import { type ConsoleSession, markFactorGiven } from './sessions.ts';
import { verifyTotp } from './totp-factor.ts';

export const STEP_UP_WINDOW_MS = 10 * 60_000;
export const STEP_UP_FIELD = 'step_up_code';

export function factorIsRecent(session: ConsoleSession, now: number): boolean {
  return session.mfaVerifiedAt !== null && now - session.mfaVerifiedAt < STEP_UP_WINDOW_MS;
}

/** Checks a code typed for step-up; on success the session records the factor as given now (audited). */
export async function confirmFactor(
  deps: ConsoleDeps,
  request: FastifyRequest,
  code: string,
): Promise<boolean> {
  const session = sessionOf(request);
  const now = deps.now();
  await refuseIfThrottled(deps.db, session.user.id, now);
  const outcome = await verifyTotp(deps.db, deps.box, session.user.id, code, now);
  if (outcome !== 'ok') {
    await countWrongCode(deps.db, request, session, now);
    return false;
  }
  await markFactorGiven(deps.db, session.idSha256, now);
  await deps.db.transaction((tx) =>
    appendAuditEvents(tx, [
      actorOf(request, deps).event('console.step_up', {
        partnerId: session.user.partner_id,
        environment: null,
      }),
    ]),
  );
  return true;
}

/**
 * True when the change may go ahead: the factor is recent, or the form carries a right step-up code.
 * Otherwise the challenge (or, after a wrong code, the challenge with its error) has been sent.
 */
export async function stepUpPassed(
  deps: ConsoleDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  what: string,
): Promise<boolean> {
  const session = sessionOf(request);
  if (factorIsRecent(session, deps.now())) return true;
  const code = field(request, STEP_UP_FIELD, 20);
  if (code !== '' && (await confirmFactor(deps, request, code))) return true;
  const kept = [...formOf(request)].filter(([name]) => name !== '_csrf' && name !== STEP_UP_FIELD);
  const error = code === '' ? undefined : 'That code is not valid. Wait for the next one and try again.';
  sendHtml(reply, stepUpPage(session, { action: request.url, fields: kept, what, error }), 401);
  return false;
}
