// Turning a sensitive admin call into a pending four-eyes request. Once staff sign in personally (staff
// SSO configured) every caller goes through approval, the automation token included; before that there is
// nobody who could approve, so the bootstrap token acts directly, as it did before the staff plane.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.ts';
import { isoOrNull } from '../http/json.ts';
import {
  type ApprovalRequest,
  type NewApproval,
  type Requester,
  requestApproval,
} from '../staff/approvals.ts';
import { adminActor } from './routes.ts';

export function fourEyesApplies(deps: Pick<AppDeps, 'config'>, request: FastifyRequest): boolean {
  return request.tessera.staff?.kind === 'person' || deps.config.staffOidc !== undefined;
}

export async function answerWithApprovalRequest(
  deps: Pick<AppDeps, 'db' | 'now'>,
  request: FastifyRequest,
  reply: FastifyReply,
  input: NewApproval,
): Promise<{ approval: ReturnType<typeof showApproval> }> {
  const created = await requestApproval(
    deps.db,
    adminActor(request),
    requesterOf(request),
    input,
    deps.now(),
  );
  reply.code(202);
  return { approval: showApproval(created) };
}

export function requesterOf(request: FastifyRequest): Requester {
  const staff = request.tessera.staff;
  if (staff?.kind === 'person') return { issuer: staff.issuer, subject: staff.subject, email: staff.email };
  return { issuer: 'automation', subject: 'admin-token', email: null };
}

export function showApproval(approval: ApprovalRequest) {
  return {
    id: approval.id,
    action: approval.action,
    partner_id: approval.partner_id,
    summary: approval.summary,
    status: approval.status,
    requested_by: approval.requested_by_email ?? approval.requested_by_subject,
    requested_at: isoOrNull(approval.requested_at),
    expires_at: isoOrNull(approval.expires_at),
    decided_by: approval.decided_by_email ?? approval.decided_by_subject,
    decided_at: isoOrNull(approval.decided_at),
    executed_at: isoOrNull(approval.executed_at),
  };
}
