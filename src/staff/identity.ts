// Who a staff request comes from: a named person proven by the OpenID Provider, or the shared automation
// token. Every staff audit event carries these fields, so an auditor can tell who suspended a partner or
// exported its log (SOC 2 CC6, PCI DSS 8.2.1 and 10.2.1).
import type { AuditDetail } from '../audit/event.ts';

export const STAFF_ROLES = ['tessera-admin', 'tessera-operator', 'tessera-auditor'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Where a staff action came from; the CLI names itself, the console and the API are told by the route. */
export type StaffChannel = 'staff_console' | 'admin_api' | 'cli';

export interface StaffPerson {
  readonly kind: 'person';
  readonly issuer: string;
  readonly subject: string;
  readonly email: string | null;
  readonly roles: readonly StaffRole[];
  /** The OpenID session (`sid`) or the console session; null when the provider sent none. */
  readonly sessionId: string | null;
  readonly channel: StaffChannel;
}

export interface StaffAutomation {
  readonly kind: 'automation';
  readonly channel: StaffChannel;
}

export type StaffIdentity = StaffPerson | StaffAutomation;

/** Second factors named by RFC 8176 that count as multi-factor authentication. */
const SECOND_FACTOR_AMR = new Set(['mfa', 'otp', 'hwk', 'swk']);

/** MFA is read from the token the provider signed: `amr` names a second factor, or `acr` is an accepted one. */
export function provesMfa(claims: Record<string, unknown>, acceptedAcr: readonly string[]): boolean {
  const amr = claims.amr;
  if (Array.isArray(amr) && amr.some((value) => typeof value === 'string' && SECOND_FACTOR_AMR.has(value))) {
    return true;
  }
  return typeof claims.acr === 'string' && acceptedAcr.includes(claims.acr);
}

/** The Tessera roles in the configured claim; anything else in that claim (other groups) is ignored. */
export function rolesFrom(claims: Record<string, unknown>, claimName: string): StaffRole[] {
  const raw = claims[claimName];
  const values = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  // Keycloak's group mapper may send full paths ("/tessera-admin").
  const names = values.filter((v): v is string => typeof v === 'string').map((v) => v.replace(/^\//, ''));
  return STAFF_ROLES.filter((role) => names.includes(role));
}

/** The role an event names: the strongest one the person holds. */
export function primaryRole(person: StaffPerson): StaffRole | null {
  return STAFF_ROLES.find((role) => person.roles.includes(role)) ?? null;
}

export function isSamePerson(a: { issuer: string; subject: string }, b: { issuer: string; subject: string }) {
  return a.issuer === b.issuer && a.subject === b.subject;
}

/** The audit fields that name the person behind a staff action. */
export function staffAuditDetail(identity: StaffIdentity): AuditDetail {
  if (identity.kind === 'automation') return { channel: identity.channel, staff: 'automation' };
  return {
    channel: identity.channel,
    staff_subject: identity.subject,
    staff_email: identity.email,
    staff_issuer: identity.issuer,
    staff_role: primaryRole(identity),
    staff_session: identity.sessionId,
  };
}

/** actor_type and actor_id of a staff audit event. */
export function staffActorFields(identity: StaffIdentity): {
  actorType: 'staff' | 'automation';
  actorId: string;
} {
  if (identity.kind === 'automation') return { actorType: 'automation', actorId: 'admin-token' };
  return { actorType: 'staff', actorId: identity.email ?? identity.subject };
}
