// Who may do what in the console. Checked on the server for every route (the navigation only mirrors it):
// owners everything, developers keys/allowlist/usage, auditors the audit log and its exports, read-only.
export const ROLES = ['owner', 'developer', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export type Area = 'keys' | 'allowlist' | 'usage' | 'audit' | 'team';

const AREAS_BY_ROLE: Record<Role, readonly Area[]> = {
  owner: ['keys', 'allowlist', 'usage', 'audit', 'team'],
  developer: ['keys', 'allowlist', 'usage'],
  auditor: ['audit'],
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function canUse(role: Role, area: Area): boolean {
  return AREAS_BY_ROLE[role].includes(area);
}

export function areasOf(role: Role): readonly Area[] {
  return AREAS_BY_ROLE[role];
}
