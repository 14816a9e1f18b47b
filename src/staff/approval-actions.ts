// What each four-eyes action does once approved. Parameters were validated when the request was made;
// each executor re-checks that its target still exists. `reveal` is shown once to the approver (a
// regenerated key) and is never stored or audited.
import type { Actor } from '../actor.ts';
import { replaceAllowlist } from '../allowlist/store.ts';
import { purgeAuditEvents } from '../audit/purge.ts';
import type { Database, Environment } from '../db/database.ts';
import { regenerateKey } from '../keys/store.ts';
import { setPartnerRateLimit } from '../partners/store.ts';
import type { ApprovalParams } from './approvals.ts';
import { resetUserMfa } from './mfa-reset.ts';
import { reactivatePartner } from './partner-status.ts';

export const APPROVAL_ACTIONS = [
  'partner.reactivate',
  'user.mfa_reset',
  'allowlist.replace',
  'key.regenerate',
  'partner.rate_limit',
  'audit.purge',
] as const;
export type ApprovalAction = (typeof APPROVAL_ACTIONS)[number];

export interface Execution {
  ok: boolean;
  result: ApprovalParams;
  reveal?: Record<string, string>;
}

type Executor = (
  db: Database,
  actor: Actor,
  partnerId: string | null,
  params: ApprovalParams,
) => Promise<Execution>;

const EXECUTORS: Record<ApprovalAction, Executor> = {
  async 'partner.reactivate'(db, actor, partnerId) {
    const outcome = await reactivatePartner(db, actor, required(partnerId));
    return { ok: outcome !== 'not_found', result: { outcome } };
  },
  async 'user.mfa_reset'(db, actor, partnerId, params) {
    const outcome = await resetUserMfa(db, actor, required(partnerId), String(params.user_id));
    return { ok: outcome === 'reset', result: { outcome } };
  },
  async 'allowlist.replace'(db, actor, partnerId, params) {
    const entries = (params.entries ?? []) as Array<{ cidr: string; note?: string }>;
    const environment = (params.environment ?? null) as Environment | null;
    // The requester's explicit allow-any travels with the request: the approver approves exactly that.
    const stored = await replaceAllowlist(db, actor, required(partnerId), environment, entries, {
      allowAny: params.allow_any === true,
    });
    return { ok: true, result: { cidrs: stored.map((entry) => entry.cidr) } };
  },
  async 'key.regenerate'(db, actor, partnerId, params): Promise<Execution> {
    const issued = await regenerateKey(db, actor, String(params.key_id), required(partnerId));
    if (issued === undefined || issued === 'revoked') {
      return { ok: false, result: { outcome: issued ?? 'not_found' } };
    }
    const result = { key_id: issued.record.id, prefix: issued.record.prefix };
    return { ok: true, result, reveal: { key: issued.key } };
  },
  async 'partner.rate_limit'(db, actor, partnerId, params) {
    const limit = typeof params.rate_limit_per_minute === 'number' ? params.rate_limit_per_minute : null;
    const partner = await setPartnerRateLimit(db, actor, required(partnerId), limit);
    return { ok: partner !== undefined, result: { rate_limit_per_minute: limit } };
  },
  async 'audit.purge'(db, actor, _partnerId, params) {
    const purged = await purgeAuditEvents(db, actor, new Date(String(params.before)));
    return { ok: true, result: { before: purged.before, events_removed: purged.events_removed } };
  },
};

export function isApprovalAction(value: string): value is ApprovalAction {
  return (APPROVAL_ACTIONS as readonly string[]).includes(value);
}

export async function execute(
  db: Database,
  actor: Actor,
  action: string,
  partnerId: string | null,
  params: ApprovalParams,
): Promise<Execution> {
  if (!isApprovalAction(action)) return { ok: false, result: { outcome: 'unknown_action' } };
  return EXECUTORS[action](db, actor, partnerId, params);
}

function required(partnerId: string | null): string {
  if (partnerId === null) throw new Error('this approval action needs a partner');
  return partnerId;
}
