// The markup of the team page: members with their invite and second-factor status, and the invite form,
// which keeps what was typed when it is sent back with an error.
import type { ConsoleSession, ConsoleUser } from '../auth/sessions.ts';
import { type Html, html } from '../html.ts';
import { ROLES, type Role } from '../roles.ts';
import type { MemberStatus } from '../users.ts';
import { csrfField, formatDate } from './layout.ts';

const ROLE_HELP: Record<Role, string> = {
  owner: 'everything, including the team',
  developer: 'keys, IP allowlist and usage',
  auditor: 'read-only: audit log and exports',
};

export interface InviteForm {
  email: string;
  role: string;
  error: string;
}

function roleSelect(id: string, selected: string): Html {
  return html`<select id="${id}" name="role">${ROLES.map(
    (role) =>
      html`<option value="${role}"${role === selected ? html` selected` : ''}>${role} (${ROLE_HELP[role]})</option>`,
  )}</select>`;
}

function statusCells(status: MemberStatus | undefined): Html {
  // Signing in requires setting up the authenticator, so a confirmed TOTP factor means the invite was used.
  const joined = status?.totp_confirmed === true;
  const passkeys = status?.passkeys ?? 0;
  const factors = joined
    ? `Authenticator app${passkeys > 0 ? ` + ${passkeys} passkey${passkeys > 1 ? 's' : ''}` : ''}`
    : 'not set up yet';
  return html`<td data-label="Invite">${joined ? html`<span class="badge">accepted</span>` : html`<span class="badge old">pending</span>`}</td>
    <td data-label="Second factor">${factors}</td>`;
}

function userRow(session: ConsoleSession, user: ConsoleUser, status: MemberStatus | undefined): Html {
  const self = user.id === session.user.id;
  return html`<tr><td data-label="Email">${user.email}${self ? html` <span class="badge">you</span>` : ''}</td><td data-label="Role">${user.role}</td>
    ${statusCells(status)}<td data-label="Since">${formatDate(user.created_at)}</td>
    <td data-label="Actions"><form class="inline" method="post" action="/console/team/${user.id}/role">${csrfField(session)}
        <label class="hint" for="role-${user.id}">Role for ${user.email}</label>${roleSelect(`role-${user.id}`, user.role)}
        <button class="secondary" type="submit">Change role</button></form>
      <form class="inline" method="post" action="/console/team/${user.id}/remove" data-confirm="Remove ${user.email} from the team?">${csrfField(session)}
        <button class="danger" type="submit" aria-label="Remove ${user.email}">Remove</button></form></td></tr>`;
}

export function teamBody(
  session: ConsoleSession,
  users: readonly ConsoleUser[],
  statuses: ReadonlyMap<string, MemberStatus>,
  extra: { notice?: string | undefined; form?: InviteForm | undefined },
): Html {
  const form = extra.form;
  return html`<h1>Team</h1>${extra.notice ? html`<p class="notice" role="status">${extra.notice}</p>` : ''}
    <div class="table-wrap" role="region" aria-label="Team members" tabindex="0"><table class="stack"><thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Invite</th><th scope="col">Second factor</th><th scope="col">Since</th><th scope="col">Actions</th></tr></thead>
      <tbody>${users.map((u) => userRow(session, u, statuses.get(u.id)))}</tbody></table></div>
    <section class="card"><h2>Invite someone</h2>
      ${form ? html`<p class="error" role="alert" id="invite-error">${form.error}</p>` : ''}
      <form method="post" action="/console/team">${csrfField(session)}<div class="row">
        <div class="field"><label for="invite-email">Email address</label><input id="invite-email" name="email" type="email" required maxlength="254" value="${form?.email ?? ''}"${form ? html` aria-invalid="true" aria-describedby="invite-error"` : ''}></div>
        <div class="field"><label for="invite-role">Role</label>${roleSelect('invite-role', form?.role ?? 'developer')}</div>
        <div class="field"><button type="submit">Invite</button></div></div>
      </form><p class="hint">They sign in with a link sent to this address, then set up their second factor.</p></section>`;
}
