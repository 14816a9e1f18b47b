// Permissions a key can carry. A key created without explicit scopes gets all of them.
export const ALL_SCOPES = [
  'quotes:read',
  'quotes:write',
  'bookings:read',
  'bookings:write',
  'audit:read',
] as const;

export const SCOPE_PATTERN = '^[a-z][a-z0-9_.-]{0,62}:[a-z][a-z0-9_.-]{0,62}$';

export type Scope = (typeof ALL_SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (ALL_SCOPES as readonly string[]).includes(value) || gatewayScopes.has(value);
}

// Scopes named by the gateway's routes (src/gateway/), valid key scopes once the gateway config is loaded.
const gatewayScopes = new Set<string>();

export function addGatewayScopes(scopes: Iterable<string>): void {
  for (const scope of scopes) gatewayScopes.add(scope);
}

/** Every scope a key may carry: the built-in ones, then the gateway's; a key created without scopes gets all. */
export function knownScopes(): readonly Scope[] {
  return [...ALL_SCOPES, ...gatewayScopes] as Scope[];
}
