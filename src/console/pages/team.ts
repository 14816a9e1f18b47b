// Team (owners only): invite, change role, remove. The partner always keeps at least one owner; a changed
// or removed user's sessions end at once.
import type { FastifyInstance } from 'fastify';
import type { ConsoleSession, ConsoleUser } from '../auth/sessions.ts';
import { access, actorOf, type ConsoleDeps, field, sendHtml, sessionOf } from '../context.ts';
import { type Html, html } from '../html.ts';
import { badForm, notFound, PageError } from '../page-error.ts';
import { isRole, ROLES, type Role } from '../roles.ts';
import { changeRole, inviteUser, listUsers, normaliseEmail, removeUser, type TeamChange } from '../users.ts';
import { csrfField, formatDate, renderPage } from './layout.ts';

const ROLE_HELP: Record<Role, string> = {
  owner: 'everything, including the team',
  developer: 'keys, IP allowlist and usage',
  auditor: 'read-only: audit log and exports',
};

function roleSelect(id: string, selected: Role): Html {
  return html`<select id="${id}" name="role">${ROLES.map(
    (role) =>
      html`<option value="${role}"${role === selected ? html` selected` : ''}>${role} (${ROLE_HELP[role]})</option>`,
  )}</select>`;
}

function userRow(session: ConsoleSession, user: ConsoleUser): Html {
  const self = user.id === session.user.id;
  return html`<tr><td>${user.email}${self ? html` <span class="badge">you</span>` : ''}</td><td>${user.role}</td><td>${formatDate(user.created_at)}</td>
    <td><form class="inline" method="post" action="/console/team/${user.id}/role">${csrfField(session)}
        <label class="hint" for="role-${user.id}">Role for ${user.email}</label>${roleSelect(`role-${user.id}`, user.role)}
        <button class="secondary" type="submit">Change role</button></form>
      <form class="inline" method="post" action="/console/team/${user.id}/remove" data-confirm="Remove ${user.email} from the team?">${csrfField(session)}
        <button class="danger" type="submit" aria-label="Remove ${user.email}">Remove</button></form></td></tr>`;
}

async function teamPage(deps: ConsoleDeps, session: ConsoleSession, flash?: Html): Promise<string> {
  const users = await listUsers(deps.db, session.user.partner_id);
  const body = html`<h1>Team</h1>${flash ?? ''}
    <div class="table-wrap"><table><thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Since</th><th scope="col">Actions</th></tr></thead>
      <tbody>${users.map((u) => userRow(session, u))}</tbody></table></div>
    <section class="card"><h2>Invite someone</h2>
      <form method="post" action="/console/team">${csrfField(session)}<div class="row">
        <div class="field"><label for="invite-email">Email address</label><input id="invite-email" name="email" type="email" required maxlength="254"></div>
        <div class="field"><label for="invite-role">Role</label>${roleSelect('invite-role', 'developer')}</div>
        <div class="field"><button type="submit">Invite</button></div></div>
      </form><p class="hint">They sign in with a link sent to this address, then set up their second factor.</p></section>`;
  return renderPage({ title: 'Team', session, section: 'team', body });
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

export function teamRoutes(scope: FastifyInstance, deps: ConsoleDeps): void {
  scope.get('/team', access('team'), async (request, reply) =>
    sendHtml(reply, await teamPage(deps, sessionOf(request))),
  );

  scope.post('/team', access('team'), async (request, reply) => {
    const session = sessionOf(request);
    const email = normaliseEmail(field(request, 'email', 300));
    const role = field(request, 'role');
    if (!email) throw badForm('Enter a valid email address.');
    if (!isRole(role)) throw badForm('Choose a role from the list.');
    const user = await inviteUser(
      deps.db,
      actorOf(request, deps),
      { partnerId: session.user.partner_id, email, role },
      deps.now(),
    );
    if (user === 'email_taken')
      throw new PageError(409, 'Already a user', 'This email address already has a console account.');
    const link = `${deps.config.consoleUrl}/console/login`;
    void deps.mailer
      .send({
        to: user.email,
        subject: `You are invited to the ${session.partnerName} Tessera console`,
        text: `${session.user.email} invited you as ${user.role}. Sign in with this address at:\n\n${link}\n`,
        link,
      })
      .catch((error: unknown) =>
        deps.logger.warn({ event: 'console.mail_failed', err: error }, 'mail not sent'),
      );
    return sendHtml(
      reply,
      await teamPage(
        deps,
        session,
        html`<p class="notice" role="status">${user.email} is invited as ${user.role}.</p>`,
      ),
      201,
    );
  });

  scope.post('/team/:id/role', access('team'), async (request, reply) => {
    const session = sessionOf(request);
    const role = field(request, 'role');
    if (!isRole(role)) throw badForm('Choose a role from the list.');
    const { id } = request.params as { id: string };
    const result = await changeRole(
      deps.db,
      actorOf(request, deps),
      session.user.partner_id,
      id,
      role,
      deps.now(),
    );
    outcome(result);
    if (id === session.user.id) return reply.code(303).header('location', '/console').send();
    return sendHtml(
      reply,
      await teamPage(deps, session, html`<p class="notice" role="status">Role changed.</p>`),
    );
  });

  scope.post('/team/:id/remove', access('team'), async (request, reply) => {
    const session = sessionOf(request);
    const { id } = request.params as { id: string };
    outcome(await removeUser(deps.db, actorOf(request, deps), session.user.partner_id, id, deps.now()));
    return sendHtml(
      reply,
      await teamPage(deps, session, html`<p class="notice" role="status">User removed.</p>`),
    );
  });
}
