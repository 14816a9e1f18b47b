// The gateway's configuration file (YAML or JSON): upstreams and the routes that point at them. Parsed and
// validated once, at start or by `tessera gateway check`, into a frozen value; every problem names the
// offending field (`routes[2].upstream`), so a typo stops the start instead of surfacing on a request.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SCOPE_PATTERN } from '../keys/scopes.ts';
import {
  GatewayConfigError,
  integer,
  object,
  onlyKeys,
  parseDocument,
  readFile,
  string,
} from './config-fields.ts';
import { isReservedPath } from './reserved-paths.ts';

export { GatewayConfigError } from './config-fields.ts';

export type GatewayMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export const READ_METHODS: readonly GatewayMethod[] = ['GET', 'HEAD'];
const METHODS: readonly GatewayMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

export interface UpstreamTls {
  readonly ca: Buffer | undefined;
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
}

export interface Upstream {
  readonly name: string;
  readonly url: URL;
  readonly timeoutMs: number;
  readonly maxConnections: number;
  readonly tls: UpstreamTls | undefined;
  /** The upstream's own OpenAPI document, parsed, if it names one. */
  readonly openapi: Record<string, unknown> | undefined;
}

export interface GatewayRoute {
  readonly path: string;
  readonly methods: readonly GatewayMethod[];
  readonly upstream: Upstream;
  readonly scope: string;
  readonly bodyLimitBytes: number | undefined;
}

export interface GatewayConfig {
  readonly upstreams: ReadonlyMap<string, Upstream>;
  readonly routes: readonly GatewayRoute[];
}

export interface GatewayLimits {
  /** Every upstream timeout must end before the idempotency lease does, or a live write could be re-sent. */
  readonly idempotencyLeaseMs: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const SCOPE = new RegExp(SCOPE_PATTERN);
const PATH = /^(\/(:?[A-Za-z0-9._~-]+|:[A-Za-z_][A-Za-z0-9_]*))+\/?$/;
const MAX_BODY_LIMIT = 1024 * 1024 * 1024;

export function loadGatewayConfig(file: string, limits: GatewayLimits): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new GatewayConfigError('file', `"${file}" cannot be read`);
  }
  return parseGatewayConfig(parseDocument(text, 'file'), dirname(resolve(file)), limits);
}

export function parseGatewayConfig(raw: unknown, baseDir: string, limits: GatewayLimits): GatewayConfig {
  const top = object(raw, '(top level)');
  onlyKeys(top, '(top level)', ['upstreams', 'routes']);
  const upstreamEntries = Object.entries(object(top.upstreams, 'upstreams'));
  if (upstreamEntries.length === 0)
    throw new GatewayConfigError('upstreams', 'must name at least one upstream');
  const upstreams = new Map<string, Upstream>();
  for (const [name, value] of upstreamEntries) {
    upstreams.set(name, parseUpstream(name, value, baseDir, limits));
  }
  if (!Array.isArray(top.routes) || top.routes.length === 0) {
    throw new GatewayConfigError('routes', 'must be a non-empty list');
  }
  const routes = top.routes.map((value, index) => parseRoute(value, `routes[${index}]`, upstreams));
  refuseDuplicates(routes);
  return Object.freeze({ upstreams, routes: Object.freeze(routes) });
}

function parseUpstream(name: string, raw: unknown, baseDir: string, limits: GatewayLimits): Upstream {
  const field = `upstreams.${name}`;
  if (!NAME.test(name)) throw new GatewayConfigError(field, 'is not a valid name (letters, digits, _ and -)');
  const entry = object(raw, field);
  onlyKeys(entry, field, ['url', 'timeout_ms', 'max_connections', 'tls', 'openapi']);
  const url = upstreamUrl(entry.url, `${field}.url`);
  const timeoutMs = integer(entry.timeout_ms, `${field}.timeout_ms`, 30_000, 1, 600_000);
  if (timeoutMs >= limits.idempotencyLeaseMs) {
    throw new GatewayConfigError(
      `${field}.timeout_ms`,
      `must be shorter than TESSERA_IDEMPOTENCY_LEASE_MS (${limits.idempotencyLeaseMs})`,
    );
  }
  const tls = entry.tls === undefined ? undefined : upstreamTls(entry.tls, `${field}.tls`, baseDir);
  if (tls && url.protocol !== 'https:') throw new GatewayConfigError(`${field}.tls`, 'needs an https url');
  return Object.freeze({
    name,
    url,
    timeoutMs,
    maxConnections: integer(entry.max_connections, `${field}.max_connections`, 64, 1, 10_000),
    tls,
    openapi:
      entry.openapi === undefined ? undefined : openApiFile(entry.openapi, `${field}.openapi`, baseDir),
  });
}

function upstreamUrl(raw: unknown, field: string): URL {
  let url: URL;
  try {
    url = new URL(string(raw, field));
  } catch {
    throw new GatewayConfigError(field, 'is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new GatewayConfigError(field, 'must be http or https');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new GatewayConfigError(field, 'must not carry credentials, a query or a fragment');
  }
  return url;
}

function upstreamTls(raw: unknown, field: string, baseDir: string): UpstreamTls {
  const tls = object(raw, field);
  onlyKeys(tls, field, ['ca', 'cert', 'key']);
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new GatewayConfigError(`${field}.cert`, 'and key must be given together');
  }
  const file = (name: 'ca' | 'cert' | 'key') =>
    tls[name] === undefined ? undefined : readFile(tls[name], `${field}.${name}`, baseDir);
  return Object.freeze({ ca: file('ca'), cert: file('cert'), key: file('key') });
}

function openApiFile(raw: unknown, field: string, baseDir: string): Record<string, unknown> {
  const document = parseDocument(readFile(raw, field, baseDir).toString('utf8'), field);
  const top = object(document, field);
  object(top.paths, `${field} (paths)`);
  return top;
}

function parseRoute(raw: unknown, field: string, upstreams: ReadonlyMap<string, Upstream>): GatewayRoute {
  const entry = object(raw, field);
  onlyKeys(entry, field, ['path', 'methods', 'upstream', 'scope', 'body_limit_bytes']);
  const path = string(entry.path, `${field}.path`);
  if (!PATH.test(path)) throw new GatewayConfigError(`${field}.path`, `"${path}" is not a route path`);
  if (isReservedPath(path)) {
    throw new GatewayConfigError(`${field}.path`, `"${path}" collides with a built-in Tessera route`);
  }
  const upstreamName = string(entry.upstream, `${field}.upstream`);
  const upstream = upstreams.get(upstreamName);
  if (!upstream)
    throw new GatewayConfigError(`${field}.upstream`, `names an unknown upstream "${upstreamName}"`);
  if (entry.scope === undefined) throw new GatewayConfigError(`${field}.scope`, 'is missing');
  const scope = string(entry.scope, `${field}.scope`);
  if (!SCOPE.test(scope))
    throw new GatewayConfigError(`${field}.scope`, `"${scope}" is not "resource:action"`);
  return Object.freeze({
    path,
    methods: methods(entry.methods, `${field}.methods`),
    upstream,
    scope,
    bodyLimitBytes:
      entry.body_limit_bytes === undefined
        ? undefined
        : integer(entry.body_limit_bytes, `${field}.body_limit_bytes`, 0, 1, MAX_BODY_LIMIT),
  });
}

function methods(raw: unknown, field: string): readonly GatewayMethod[] {
  if (!Array.isArray(raw) || raw.length === 0)
    throw new GatewayConfigError(field, 'must be a non-empty list');
  const seen = new Set<GatewayMethod>();
  for (const value of raw) {
    const method = typeof value === 'string' ? value.toUpperCase() : '';
    if (!(METHODS as readonly string[]).includes(method)) {
      throw new GatewayConfigError(field, `has "${String(value)}"; allowed: ${METHODS.join(', ')}`);
    }
    if (seen.has(method as GatewayMethod)) throw new GatewayConfigError(field, `repeats ${method}`);
    seen.add(method as GatewayMethod);
  }
  return Object.freeze([...seen]);
}

/** Two routes whose paths differ only in parameter names match the same requests: Fastify would refuse one. */
function refuseDuplicates(routes: readonly GatewayRoute[]): void {
  const seen = new Map<string, number>();
  routes.forEach((route, index) => {
    const shape = route.path.replace(/:[A-Za-z_][A-Za-z0-9_]*/g, ':');
    for (const method of route.methods) {
      const earlier = seen.get(`${method} ${shape}`);
      if (earlier !== undefined) {
        throw new GatewayConfigError(
          `routes[${index}]`,
          `duplicates routes[${earlier}] (${method} ${route.path})`,
        );
      }
      seen.set(`${method} ${shape}`, index);
    }
  });
}
