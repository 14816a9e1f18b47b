// Four-eyes approval requests. A sensitive staff action is stored as a pending request; another person
// with tessera-admin approves or rejects it within 24 hours. The move from 'pending' to 'approved' is one
// conditional UPDATE (unexpired, still pending, decided by someone else), so a request runs at most once
// however many approvals race, and an expired one never runs. Request, decision and execution are each
// an audit event naming the person.
import type { Actor } from '../actor.ts';
import { appendAuditEvents } from '../audit/append.ts';
import type { Database, Queryable } from '../db/database.ts';
import { newId } from '../ids.ts';
import { isSamePerson, type StaffPerson } from './identity.ts';

export const APPROVAL_WINDOW_MS = 24 * 60 * 60 * 1000;

export type ApprovalParams = Record<string, string | number | boolean | null | string[] | object[]>;

export interface ApprovalRequest {
  id: string;
  action: string;
  partner_id: string | null;
  params: ApprovalParams;
  summary: string;
  status: 'pending' | 'approved' | 'rejected' | 'expired' | 'failed';
  requested_by_issuer: string;
  requested_by_subject: string;
  requested_by_email: string | null;
  requested_at: Date;
  expires_at: Date;
  decided_by_subject: string | null;
  decided_by_email: string | null;
  decided_at: Date | null;
  executed_at: Date | null;
}

/** The requester as stored: a person, or the automation token (which may ask but never decide). */
export interface Requester {
  issuer: string;
  subject: string;
  email: string | null;
}

const COLUMNS = `id, action, partner_id, params, summary, status, requested_by_issuer, requested_by_subject,
  requested_by_email, requested_at, expires_at, decided_by_subject, decided_by_email, decided_at, executed_at`;

export interface NewApproval {
  action: string;
  partnerId: string | null;
  params: ApprovalParams;
  summary: string;
}

export async function requestApproval(
  db: Database,
  actor: Actor,
  requester: Requester,
  input: NewApproval,
  now: number,
): Promise<ApprovalRequest> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<ApprovalRequest>(
      `INSERT INTO staff_approvals (id, action, partner_id, params, summary, status, requested_by_issuer,
         requested_by_subject, requested_by_email, requested_at, expires_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, 'pending', $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
      [
        newId('approval', now),
        input.action,
        input.partnerId,
        JSON.stringify(input.params),
        input.summary,
        requester.issuer,
        requester.subject,
        requester.email,
        new Date(now),
        new Date(now + APPROVAL_WINDOW_MS),
      ],
    );
    if (!row) throw new Error('approval insert returned no row');
    await appendAuditEvents(tx, [approvalEvent(actor, 'approval.requested', row)]);
    return row;
  });
}

export type Decision =
  | { kind: 'approved'; request: ApprovalRequest }
  | { kind: 'rejected'; request: ApprovalRequest }
  | { kind: 'not_found' | 'self_approval' | 'not_pending' | 'expired' };

/** Approves or rejects; only an 'approved' decision may be executed, by the caller, once. */
export async function decide(
  db: Database,
  actor: Actor,
  decider: StaffPerson,
  id: string,
  approve: boolean,
  now: number,
): Promise<Decision> {
  return db.transaction(async (tx) => {
    const [current] = await tx.query<ApprovalRequest>(
      `SELECT ${COLUMNS} FROM staff_approvals WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (!current) return { kind: 'not_found' };
    const requester = { issuer: current.requested_by_issuer, subject: current.requested_by_subject };
    if (isSamePerson(requester, decider)) {
      await appendAuditEvents(tx, [approvalEvent(actor, 'approval.self_approval_refused', current)]);
      return { kind: 'self_approval' };
    }
    if (current.status !== 'pending') return { kind: 'not_pending' };
    if (new Date(current.expires_at).getTime() <= now) {
      const expired = await setStatus(tx, id, 'expired', null, now);
      await appendAuditEvents(tx, [approvalEvent(actor, 'approval.expired', expired)]);
      return { kind: 'expired' };
    }
    const decided = await setStatus(tx, id, approve ? 'approved' : 'rejected', decider, now);
    await appendAuditEvents(tx, [
      approvalEvent(actor, approve ? 'approval.approved' : 'approval.rejected', decided),
    ]);
    return { kind: approve ? 'approved' : 'rejected', request: decided };
  });
}

/** Records the outcome of an approved request's single run. */
export async function recordExecution(
  db: Database,
  actor: Actor,
  request: ApprovalRequest,
  outcome: { ok: boolean; result: ApprovalParams },
  now: number,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.query<ApprovalRequest>(
      `UPDATE staff_approvals SET executed_at = $2, result = $3::jsonb,
              status = CASE WHEN $4 THEN status ELSE 'failed' END
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [request.id, new Date(now), JSON.stringify(outcome.result), outcome.ok],
    );
    if (!row) throw new Error('approval vanished before its execution was recorded');
    await appendAuditEvents(tx, [
      approvalEvent(actor, outcome.ok ? 'approval.executed' : 'approval.failed', row, outcome.result),
    ]);
  });
}

export async function listApprovals(
  db: Database,
  status?: ApprovalRequest['status'],
): Promise<ApprovalRequest[]> {
  return db.query<ApprovalRequest>(
    `SELECT ${COLUMNS} FROM staff_approvals WHERE ($1::text IS NULL OR status = $1)
      ORDER BY requested_at DESC, id DESC LIMIT 200`,
    [status ?? null],
  );
}

async function setStatus(
  tx: Queryable,
  id: string,
  status: ApprovalRequest['status'],
  decider: StaffPerson | null,
  now: number,
): Promise<ApprovalRequest> {
  const [row] = await tx.query<ApprovalRequest>(
    `UPDATE staff_approvals SET status = $2, decided_by_issuer = $3, decided_by_subject = $4,
            decided_by_email = $5, decided_at = $6
      WHERE id = $1 AND status = 'pending' RETURNING ${COLUMNS}`,
    [id, status, decider?.issuer ?? null, decider?.subject ?? null, decider?.email ?? null, new Date(now)],
  );
  if (!row) throw new Error('approval changed while locked');
  return row;
}

function approvalEvent(actor: Actor, action: string, request: ApprovalRequest, result?: ApprovalParams) {
  return actor.event(action, {
    partnerId: request.partner_id,
    environment: null,
    detail: {
      approval_id: request.id,
      approval_action: request.action,
      summary: request.summary,
      requested_by: request.requested_by_email ?? request.requested_by_subject,
      ...(result === undefined ? {} : { result: JSON.stringify(result) }),
    },
  });
}
