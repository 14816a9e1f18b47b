// Where a signed-in user lands: the first area their role grants.
import { areasOf, type Role } from '../roles.ts';

export function firstPageFor(role: Role): string {
  return `/console/${areasOf(role)[0] ?? 'security'}`;
}
