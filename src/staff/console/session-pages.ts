// Live staff sessions, for administrators: who is signed in, since when, from where; any can be ended.
import type { FastifyInstance } from 'fastify';
import { adminActor } from '../../admin/routes.ts';
import { appendAuditEvents } from '../../audit/append.ts';
import { html } from '../../console/html.ts';
import type { AppDeps } from '../../deps.ts';
import { listLiveStaffSessions, publicSessionId, revokeStaffSession } from '../sessions.ts';
import { seeOther, sendPage, staffAccess, staffSessionOf } from './context.ts';
import { actionButton, staffPage, when } from './layout.ts';

export function sessionPages(scope: FastifyInstance, deps: AppDeps): void {
  scope.get('/sessions', staffAccess('admin'), async (request, reply) => {
    const session = staffSessionOf(request);
    const rows = await listLiveStaffSessions(deps.db, deps.now());
    const body = html`<h1>Staff sessions</h1><table><thead><tr><th>Person</th><th>Roles</th><th>Session</th>
      <th>Since</th><th>Last seen</th><th>Address</th><th></th></tr></thead><tbody>
      ${rows.map((s) => {
        const id = publicSessionId(s.id_sha256);
        return html`<tr><td>${s.email ?? s.subject}</td><td>${s.roles.join(', ')}</td><td><code>${id}</code></td>
          <td>${when(s.created_at)}</td><td>${when(s.last_seen_at)}</td><td>${s.client_ip ?? ''}</td>
          <td>${actionButton(session, `/staff/sessions/${id}/end`, 'End session')}</td></tr>`;
      })}</tbody></table>`;
    return sendPage(reply, staffPage('Staff sessions', session, body));
  });

  scope.post('/sessions/:id/end', staffAccess('admin'), async (request, reply) => {
    const { id } = request.params as { id: string };
    const target = (await listLiveStaffSessions(deps.db, deps.now())).find(
      (s) => publicSessionId(s.id_sha256) === id,
    );
    if (target) {
      await revokeStaffSession(deps.db, target.id_sha256, deps.now());
      await deps.db.transaction((tx) =>
        appendAuditEvents(tx, [
          adminActor(request).event('staff.session_ended', {
            partnerId: null,
            environment: null,
            detail: { ended_session: id, ended_for: target.email ?? target.subject },
          }),
        ]),
      );
    }
    return seeOther(reply, '/staff/sessions');
  });
}
