// Four-eyes requests: everyone with a staff role sees them; only another tessera-admin can decide one.
// Deciding runs through the same code as the admin API (decide, then execute once, then record).
import type { FastifyInstance } from 'fastify';
import { adminActor } from '../../admin/routes.ts';
import { html } from '../../console/html.ts';
import { PageError } from '../../console/page-error.ts';
import type { AppDeps } from '../../deps.ts';
import { execute } from '../approval-actions.ts';
import { decide, listApprovals, recordExecution } from '../approvals.ts';
import { isSamePerson } from '../identity.ts';
import { mayPerform } from '../permissions.ts';
import { seeOther, sendPage, staffAccess, staffSessionOf } from './context.ts';
import { actionButton, staffPage, when } from './layout.ts';

const REFUSED: Record<string, [number, string]> = {
  not_found: [404, 'There is no such request.'],
  self_approval: [403, 'A request must be approved or rejected by another administrator.'],
  not_pending: [409, 'This request was already decided.'],
  expired: [409, 'This request has expired (24 hours); it will never run. Ask again if it is still needed.'],
};

export function approvalPages(scope: FastifyInstance, deps: AppDeps): void {
  scope.get('/approvals', staffAccess('read'), async (request, reply) => {
    const session = staffSessionOf(request);
    const canDecide = mayPerform(session.person, 'approve');
    const rows = await listApprovals(deps.db);
    const body = html`<h1>Approvals</h1><p>Sensitive actions wait here until another administrator decides.</p>
      <table><thead><tr><th>Requested</th><th>Action</th><th>By</th><th>Status</th><th>Decided by</th><th></th></tr></thead><tbody>
      ${rows.map((a) => {
        const own = isSamePerson(
          { issuer: a.requested_by_issuer, subject: a.requested_by_subject },
          session.person,
        );
        const open = a.status === 'pending' && new Date(a.expires_at).getTime() > deps.now();
        const buttons =
          canDecide && open && !own
            ? html`${actionButton(session, `/staff/approvals/${a.id}/approve`, 'Approve')}
                ${actionButton(session, `/staff/approvals/${a.id}/reject`, 'Reject')}`
            : '';
        return html`<tr><td>${when(a.requested_at)}</td><td>${a.summary}</td>
          <td>${a.requested_by_email ?? a.requested_by_subject}</td><td>${open || a.status !== 'pending' ? a.status : 'expired'}</td>
          <td>${a.decided_by_email ?? a.decided_by_subject ?? '—'}</td><td>${buttons}</td></tr>`;
      })}</tbody></table>`;
    return sendPage(reply, staffPage('Approvals', session, body));
  });

  for (const verdict of ['approve', 'reject'] as const) {
    scope.post(`/approvals/:id/${verdict}`, staffAccess('approve'), async (request, reply) => {
      const session = staffSessionOf(request);
      const actor = adminActor(request);
      const { id } = request.params as { id: string };
      const decision = await decide(deps.db, actor, session.person, id, verdict === 'approve', deps.now());
      if (decision.kind === 'approved') {
        const { action, partner_id, params } = decision.request;
        const outcome = await execute(deps.db, actor, action, partner_id, params).catch(() => ({
          ok: false,
          result: { outcome: 'error' },
        }));
        await recordExecution(deps.db, actor, decision.request, outcome, deps.now());
      } else if (decision.kind !== 'rejected') {
        const [status, explanation] = REFUSED[decision.kind] ?? [400, 'Not possible.'];
        throw new PageError(status, 'Not possible', explanation);
      }
      return seeOther(reply, '/staff/approvals');
    });
  }
}
