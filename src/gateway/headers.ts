// Which headers cross the gateway. Hop-by-hop headers (RFC 9110 §7.6.1, plus any the Connection header
// names) belong to one connection and never cross. Towards the upstream, the partner's credentials
// (Authorization, X-Signature, X-Timestamp, Cookie) are removed, and so is anything the partner could use
// to impersonate Tessera (Tessera-Assertion, Content-Digest, X-Forwarded-*): Tessera sets those itself.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
]);

const NEVER_FORWARDED = new Set([
  'host',
  'authorization',
  'x-signature',
  'x-timestamp',
  'cookie',
  'content-length',
  'idempotency-key',
  'tessera-assertion',
  'tessera-request-id',
  'content-digest',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-real-ip',
  // Tessera has the whole body before it forwards (it verifies the signature over it), so the partner's
  // 100-continue expectation was met here; undici refuses to send it on.
  'expect',
]);

/** Response headers Tessera sets on every answer and the upstream may not override. */
const TESSERA_OWNED = new Set(['x-request-id', 'strict-transport-security', 'x-content-type-options']);

export interface ForwardedFacts {
  readonly requestId: string;
  readonly clientIp: string;
  readonly protocol: string;
  readonly idempotencyKey: string | undefined;
  readonly contentDigest: string | undefined;
  readonly contentLength: number | undefined;
  readonly assertion: string;
}

export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  facts: ForwardedFacts,
): OutgoingHttpHeaders {
  const dropped = connectionScoped(incoming.connection);
  const headers: OutgoingHttpHeaders = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || HOP_BY_HOP.has(name) || NEVER_FORWARDED.has(name) || dropped.has(name))
      continue;
    headers[name] = value;
  }
  headers['tessera-request-id'] = facts.requestId;
  headers['x-forwarded-for'] = facts.clientIp;
  headers['x-forwarded-proto'] = facts.protocol;
  headers['tessera-assertion'] = facts.assertion;
  if (facts.idempotencyKey) headers['idempotency-key'] = facts.idempotencyKey;
  if (facts.contentDigest) headers['content-digest'] = facts.contentDigest;
  if (facts.contentLength !== undefined) headers['content-length'] = String(facts.contentLength);
  return headers;
}

/** The upstream's response headers the partner receives: all but hop-by-hop and those Tessera owns. */
export function partnerResponseHeaders(incoming: IncomingHttpHeaders): Record<string, string | string[]> {
  const dropped = connectionScoped(incoming.connection);
  const headers: Record<string, string | string[]> = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || HOP_BY_HOP.has(name) || TESSERA_OWNED.has(name) || dropped.has(name)) continue;
    headers[name] = value;
  }
  return headers;
}

const NONE: ReadonlySet<string> = new Set();

/** The names a Connection header lists; `keep-alive` and `close` name no header, so they cost nothing. */
function connectionScoped(connection: string | undefined): ReadonlySet<string> {
  if (!connection) return NONE;
  const lower = connection.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close') return NONE;
  return new Set(lower.split(',').map((token) => token.trim()));
}

/**
 * Repeated response headers as node:http reports them (undici gives every repeat as an array): the first of
 * those that cannot repeat, set-cookie as a list, the rest joined with ", ". Callers then see one shape.
 */
export function asNodeHeaders(headers: Record<string, string | string[] | undefined>): IncomingHttpHeaders {
  let repeated = false;
  for (const name in headers) if (Array.isArray(headers[name])) repeated = true;
  if (!repeated) return headers as IncomingHttpHeaders;
  const merged: Record<string, string | string[] | undefined> = {};
  for (const name in headers) {
    const value = headers[name];
    if (!Array.isArray(value) || name === 'set-cookie') merged[name] = value;
    else merged[name] = SINGLE_VALUED.has(name) ? value[0] : value.join(', ');
  }
  return merged as IncomingHttpHeaders;
}

/** The headers whose repeats node:http discards (see `message.headers` in its documentation). */
const SINGLE_VALUED = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);
