// The staff plane's own admin routes: suspending and reactivating partners, resetting a partner user's
// MFA, and deciding four-eyes requests. Reactivation and MFA reset are always four-eyes actions.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.ts';
import { apiError } from '../errors.ts';
import { execute } from '../staff/approval-actions.ts';
import { type ApprovalRequest, decide, listApprovals, recordExecution } from '../staff/approvals.ts';
import { suspendPartner } from '../staff/partner-status.ts';
import { answerWithApprovalRequest, showApproval } from './four-eyes.ts';
import { adminActor, partnerOr404, showPartner, staffRoute } from './routes.ts';
import { PartnerIdParams } from './schemas.ts';

const SuspendBody = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500, pattern: '^[^\\u0000]*$' })) },
  { additionalProperties: false },
);
const UserParams = Type.Object({
  id: Type.String({ pattern: '^ptn_[0-9A-Za-z]{23}$' }),
  userId: Type.String({ pattern: '^usr_[0-9A-Za-z]{23}$' }),
});
const ApprovalParams = Type.Object({ id: Type.String({ pattern: '^apr_[0-9A-Za-z]{23}$' }) });
const ApprovalQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union(['pending', 'approved', 'rejected', 'expired', 'failed'].map((s) => Type.Literal(s))),
    ),
  },
  { additionalProperties: false },
);

export function staffAdminRoutes(deps: AppDeps) {
  const { db } = deps;
  return (app: FastifyInstance): void => {
    app.post(
      '/admin/v1/partners/:id/suspend',
      { config: staffRoute('operate'), schema: { params: PartnerIdParams, body: SuspendBody } },
      async (request) => {
        const { id } = request.params as { id: string };
        const { reason } = (request.body ?? {}) as { reason?: string };
        const outcome = await suspendPartner(db, adminActor(request), id, reason ?? 'not given');
        if (outcome === 'not_found') throw apiError('resource.not_found');
        return showPartner(await partnerOr404(db, id));
      },
    );

    app.post(
      '/admin/v1/partners/:id/reactivate',
      { config: staffRoute('operate'), schema: { params: PartnerIdParams } },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const partner = await partnerOr404(db, id);
        if (partner.suspended_at === null) throw apiError('partner.not_suspended');
        return answerWithApprovalRequest(deps, request, reply, {
          action: 'partner.reactivate',
          partnerId: id,
          params: {},
          summary: `reactivate partner ${partner.name}`,
        });
      },
    );

    app.post(
      '/admin/v1/partners/:id/users/:userId/mfa-reset',
      { config: staffRoute('operate'), schema: { params: UserParams } },
      async (request, reply) => {
        const { id, userId } = request.params as { id: string; userId: string };
        await partnerOr404(db, id);
        const [user] = await db.query<{ email: string }>(
          'SELECT email FROM console_users WHERE id = $1 AND partner_id = $2 AND removed_at IS NULL',
          [userId, id],
        );
        if (!user) throw apiError('resource.not_found');
        return answerWithApprovalRequest(deps, request, reply, {
          action: 'user.mfa_reset',
          partnerId: id,
          params: { user_id: userId },
          summary: `reset the second factors of ${user.email}`,
        });
      },
    );

    app.get(
      '/admin/v1/approvals',
      { config: staffRoute('read'), schema: { querystring: ApprovalQuery } },
      async (request) => {
        const { status } = request.query as { status?: ApprovalRequest['status'] };
        return { data: (await listApprovals(db, status)).map(showApproval) };
      },
    );

    for (const verdict of ['approve', 'reject'] as const) {
      app.post(
        `/admin/v1/approvals/:id/${verdict}`,
        { config: staffRoute('approve'), schema: { params: ApprovalParams } },
        async (request) => decideAndRun(deps, request, verdict === 'approve'),
      );
    }
  };
}

async function decideAndRun(deps: AppDeps, request: Parameters<typeof adminActor>[0], approve: boolean) {
  const staff = request.tessera.staff;
  // The `approve` permission is held by people only; the stage already refused anyone else.
  if (staff?.kind !== 'person') throw apiError('staff.forbidden');
  const actor = adminActor(request);
  const { id } = request.params as { id: string };
  const decision = await decide(deps.db, actor, staff, id, approve, deps.now());
  switch (decision.kind) {
    case 'not_found':
      throw apiError('resource.not_found');
    case 'self_approval':
      throw apiError('approval.self_approval');
    case 'not_pending':
      throw apiError('approval.not_pending');
    case 'expired':
      throw apiError('approval.expired');
    case 'rejected':
      return { approval: showApproval(decision.request) };
    case 'approved': {
      const { action, partner_id, params } = decision.request;
      const outcome = await execute(deps.db, actor, action, partner_id, params).catch((error: unknown) => {
        request.log.error(
          { event: 'approval.execution_failed', approval: id, err: error },
          'approval failed',
        );
        return { ok: false, result: { outcome: 'error' }, reveal: undefined };
      });
      await recordExecution(deps.db, actor, decision.request, outcome, deps.now());
      const approval = { ...showApproval(decision.request), status: outcome.ok ? 'approved' : 'failed' };
      return { approval, result: { ...outcome.result, ...outcome.reveal } };
    }
  }
}
