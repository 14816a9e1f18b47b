// What each staff role may do. A route declares the permission it needs; a route that declares none
// needs `admin` (fail closed). The automation token holds every permission except approving: it is not a
// person, and four-eyes approval needs two people.
import type { StaffIdentity, StaffRole } from './identity.ts';

export type StaffPermission = 'read' | 'audit' | 'operate' | 'approve' | 'admin';

export const ROLE_PERMISSIONS: Readonly<Record<StaffRole, readonly StaffPermission[]>> = {
  'tessera-admin': ['read', 'audit', 'operate', 'approve', 'admin'],
  'tessera-operator': ['read', 'operate'],
  'tessera-auditor': ['read', 'audit'],
};

export function mayPerform(identity: StaffIdentity, permission: StaffPermission): boolean {
  if (identity.kind === 'automation') return permission !== 'approve';
  return identity.roles.some((role) => ROLE_PERMISSIONS[role].includes(permission));
}
