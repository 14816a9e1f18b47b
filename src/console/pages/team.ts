// Team (owners only): invite, change role, remove. The partner always keeps at least one owner; a changed
// or removed user's sessions end at once. Inviting an address that already has an account (at this
// partner's or another's) answers exactly like a fresh invite, so the form cannot be used to learn who
// uses Tessera; that address is mailed instead. Every change is a POST answered by a redirect.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Actor } from '../../actor.ts';
import { appendAuditEvents } from '../../audit/append.ts';
import type { ConsoleSession } from '../auth/sessions.ts';
import { access, actorOf, type ConsoleDeps, field, redirect, sendHtml, sessionOf } from '../context.ts';
import { setFlash, takeFlash } from '../flash.ts';
import { badForm, notFound, PageError } from '../page-error.ts';
import { isRole, type Role } from '../roles.ts';
import {
  changeRole,
  inviteUser,
  listUsers,
  memberStatuses,
  normaliseEmail,
  removeUser,
  type TeamChange,
} from '../users.ts';
import { renderPage } from './layout.ts';
import { type InviteForm, teamBody } from './team-parts.ts';

async function teamPage(
  deps: ConsoleDeps,
  session: ConsoleSession,
  extra: { notice?: string | undefined; form?: InviteForm } = {},
): Promise<string> {
  const partnerId = session.user.partner_id;
  const [users, statuses] = [await listUsers(deps.db, partnerId), await memberStatuses(deps.db, partnerId)];
  return renderPage({
    title: 'Team',
    session,
    section: 'team',
    body: teamBody(session, users, statuses, extra),
  });
}

function outcome(result: TeamChange): void {
  if (result === 'not_found') throw notFound();
  if (result === 'last_owner') {
    throw new PageError(
      409,
      'An owner is needed',
      'The team must keep at least one owner. Make someone else owner first.',
    );
  }
}

async function done(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply, text: string) {
  await setFlash(deps.db, deps.box, sessionOf(request), { kind: 'notice', text });
  return redirect(reply, '/console/team');
}

function mail(deps: ConsoleDeps, message: { to: string; subject: string; text: string; link: string }) {
  void deps.mailer
    .send(message)
    .catch((error: unknown) =>
      deps.logger.warn({ event: 'console.mail_failed', err: error }, 'mail not sent'),
    );
}

/** The address already has an account: tell its owner by mail, and record it on the platform's chain only. */
async function reportCollision(deps: ConsoleDeps, request: FastifyRequest, email: string): Promise<void> {
  const session = sessionOf(request);
  const link = `${deps.config.consoleUrl}/console/login`;
  mail(deps, {
    to: email,
    subject: 'Someone tried to invite you to a Tessera console',
    text: `${session.partnerName} tried to invite this address to their Tessera console, but it already has a console account, and an address can belong to one team only.\nIf you expected this, ask them to invite another address. Your existing account is unchanged:\n\n${link}\n`,
    link,
  });
  const actor = new Actor(
    'user',
    session.user.id,
    request.id,
    request.tessera.clientIp,
    () => new Date(deps.now()),
  );
  await deps.db.transaction((tx) =>
    appendAuditEvents(tx, [
      actor.event('console.invite_collided', {
        partnerId: null,
        environment: null,
        detail: { by_partner: session.user.partner_id },
      }),
    ]),
  );
}

export function teamRoutes(scope: FastifyInstance, deps: ConsoleDeps): void {
  scope.get('/team', access('team'), async (request, reply) => {
    const session = sessionOf(request);
    const flash = await takeFlash(deps.db, deps.box, session);
    return sendHtml(
      reply,
      await teamPage(deps, session, { notice: flash?.kind === 'notice' ? flash.text : undefined }),
    );
  });

  scope.post('/team', access('team'), async (request, reply) => {
    const session = sessionOf(request);
    const raw = field(request, 'email', 300).trim();
    const email = normaliseEmail(raw);
    const role = field(request, 'role');
    const error = !email
      ? 'Enter a valid email address, like name@bank.example.'
      : !isRole(role)
        ? 'Choose a role from the list.'
        : undefined;
    if (error || !email || !isRole(role)) {
      const form = { email: raw.slice(0, 254), role, error: error ?? '' };
      return sendHtml(reply, await teamPage(deps, session, { form }), 400);
    }
    const user = await inviteUser(
      deps.db,
      actorOf(request, deps),
      { partnerId: session.user.partner_id, email, role },
      deps.now(),
    );
    if (user === 'email_taken') await reportCollision(deps, request, email);
    else invitationMail(deps, session, user.email, user.role);
    return done(deps, request, reply, `${email} is invited as ${role}.`);
  });

  scope.post('/team/:id/role', access('team'), async (request, reply) => {
    const session = sessionOf(request);
    const role = field(request, 'role');
    if (!isRole(role)) throw badForm('Choose a role from the list.');
    const { id } = request.params as { id: string };
    outcome(await changeRole(deps.db, actorOf(request, deps), session.user.partner_id, id, role, deps.now()));
    if (id === session.user.id) return redirect(reply, '/console');
    return done(deps, request, reply, 'Role changed.');
  });

  scope.post('/team/:id/remove', access('team'), async (request, reply) => {
    const session = sessionOf(request);
    const { id } = request.params as { id: string };
    outcome(await removeUser(deps.db, actorOf(request, deps), session.user.partner_id, id, deps.now()));
    return done(deps, request, reply, 'User removed.');
  });
}

function invitationMail(deps: ConsoleDeps, session: ConsoleSession, to: string, role: Role): void {
  const link = `${deps.config.consoleUrl}/console/login`;
  mail(deps, {
    to,
    subject: `You are invited to the ${session.partnerName} Tessera console`,
    text: `${session.user.email} invited you as ${role}. Sign in with this address at:\n\n${link}\n`,
    link,
  });
}
