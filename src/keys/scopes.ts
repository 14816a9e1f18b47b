// Permissions a key can carry. A key created without explicit scopes gets all of them.
export const ALL_SCOPES = [
  'quotes:read',
  'quotes:write',
  'bookings:read',
  'bookings:write',
  'audit:read',
] as const;

export type Scope = (typeof ALL_SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (ALL_SCOPES as readonly string[]).includes(value);
}
