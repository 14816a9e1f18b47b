// The path prefixes Tessera serves itself. A gateway route inside one of them would shadow or be shadowed by
// a built-in route, so the configuration is refused (offline by `tessera gateway check`, and at start, where
// Fastify's router also refuses an exact duplicate).
const BUILT_IN_PREFIXES = [
  '/admin',
  '/console',
  '/.well-known',
  '/metrics',
  '/docs',
  '/v1/openapi.json',
  '/v1/me',
  '/v1/quotes',
  '/v1/bookings',
  '/v1/audit-events',
] as const;

export function isReservedPath(path: string): boolean {
  const lower = path.toLowerCase();
  // A parameter as the first segment would match every built-in path Fastify has no static match for.
  if (lower === '/' || lower.startsWith('/:')) return true;
  return BUILT_IN_PREFIXES.some((prefix) => lower === prefix || lower.startsWith(`${prefix}/`));
}
