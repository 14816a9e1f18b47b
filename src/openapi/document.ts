// Generates the OpenAPI 3.1 document from the catalogued /v1 routes: their TypeBox schemas (JSON Schema,
// which OpenAPI 3.1 embeds as is), their security kind and scope, and the catalogued errors they can answer.
// Bodies become named schemas under components; request examples are whole, valid requests for `today`.
import { isDeepStrictEqual } from 'node:util';
import { type ErrorCode, errorCatalogue } from '../errors.ts';
import type { RouteKind } from '../pipeline/context.ts';
import type { CataloguedRoute } from './catalogue.ts';
import { API_DESCRIPTION, components, SIGNED_WRITE_HEADERS } from './components.ts';
import { type OperationInfo, operationInfo } from './operations.ts';
import { parametersOf, plain, withoutExamples } from './schema-json.ts';

type Json = Record<string, unknown>;

// Any route answers this when Tessera sits behind trusted proxies and the request did not arrive over HTTPS.
const EVERY_ROUTE: readonly ErrorCode[] = ['transport.https_required'];
const AUTHENTICATED: readonly ErrorCode[] = [
  'auth.api_key.missing',
  'auth.api_key.malformed',
  'auth.api_key.invalid',
  'auth.throttled',
  'auth.ip.forbidden',
  'auth.permission.denied',
  'rate_limit.exceeded',
  'service.unavailable',
];
const SIGNED: readonly ErrorCode[] = [
  'auth.timestamp.missing',
  'auth.timestamp.malformed',
  'auth.timestamp.skew',
  'auth.signature.missing',
  'auth.signature.invalid',
  'auth.signature.replayed',
  'idempotency.key.required',
  'idempotency.key.malformed',
  'idempotency.key.conflict',
  'idempotency.key.in_progress',
  'request.malformed_json',
  'request.unsupported_media_type',
  'request.body_too_large',
  'request.invalid',
];

/** Named schemas for components; a name already taken by a different schema gets a number. */
class SchemaRegistry {
  readonly schemas: Record<string, Json> = {};

  ref(name: string, schema: Json): Json {
    let candidate = name;
    for (let n = 2; this.schemas[candidate] && !isDeepStrictEqual(this.schemas[candidate], schema); n += 1) {
      candidate = `${name}${n}`;
    }
    this.schemas[candidate] = schema;
    return { $ref: `#/components/schemas/${candidate}` };
  }
}

interface Operation {
  readonly route: CataloguedRoute;
  readonly path: string;
  readonly info: OperationInfo;
  readonly today: Date;
  readonly registry: SchemaRegistry;
}

export function buildOpenApiDocument(routes: readonly CataloguedRoute[], now: number = Date.now()): Json {
  const registry = new SchemaRegistry();
  const today = new Date(now);
  const paths: Record<string, Json> = {};
  const upstreamSchemas: Json = {};
  for (const route of routes) {
    if (!route.url.startsWith('/v1/')) continue;
    const path = route.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const info = operationInfo(route.method, path);
    const op = operation({ route, path, info, today, registry });
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: op };
    Object.assign(upstreamSchemas, route.schema?.upstreamSchemas);
  }
  const shared = components();
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tessera partner API',
      version: '1',
      description: API_DESCRIPTION,
      license: { name: 'Apache 2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    tags: [
      { name: 'identity', description: 'Who is calling.' },
      { name: 'quotes', description: 'Price a trip; quotes are valid for 15 minutes.' },
      { name: 'bookings', description: 'Book a quote exactly once; list and cancel bookings.' },
      {
        name: 'audit',
        description: "Export the partner's own audit log, with the manifest that verifies it.",
      },
    ],
    paths,
    components: withUpstreamSchemas(
      { ...shared, schemas: { ...shared.schemas, ...registry.schemas } },
      upstreamSchemas,
    ),
  };
}

function operation(o: Operation): Json {
  const schema = o.route.schema ?? {};
  const kind: RouteKind = o.route.security?.kind ?? 'public';
  const scope = o.route.security?.scope;
  const parameters = [
    ...parametersOf(schema.params, 'path'),
    ...parametersOf(schema.querystring, 'query', o.info.formats),
    ...(kind === 'signedWrite'
      ? SIGNED_WRITE_HEADERS.map((name) => ({ $ref: `#/components/parameters/${name}` }))
      : []),
  ];
  const description = [schema.description, scope ? `Requires the \`${scope}\` permission.` : undefined]
    .filter(Boolean)
    .join('\n\n');
  const op: Json = {
    operationId: schema.operationId ?? o.info.operationId,
    summary: schema.summary ?? o.info.summary,
    description: description || undefined,
    tags: schema.tags ?? (o.path.startsWith('/v1/audit-events') ? ['audit'] : undefined),
    security: kind === 'public' ? [] : [{ bearerAuth: [] }],
    parameters: parameters.length > 0 ? parameters : undefined,
    requestBody: requestBody(o),
    responses: { ...successes(o, kind), ...failures(o, kind) },
    'x-tessera-security': { kind, ...(scope ? { scope } : {}) },
  };
  // A gateway route's own operation (from its upstream's OpenAPI document), under Tessera's security.
  const upstream = schema.upstreamOperation;
  if (upstream) {
    const own = (upstream.parameters ?? []) as Json[];
    Object.assign(op, {
      ...upstream,
      ...op,
      operationId: upstream.operationId ?? op.operationId,
      summary: upstream.summary ?? op.summary,
      description: [upstream.description, op.description].filter(Boolean).join('\n\n') || undefined,
      tags: upstream.tags ?? op.tags,
      parameters: [...own, ...((op.parameters ?? []) as Json[])],
      // The upstream's answers, then Tessera's errors: Tessera's placeholder successes give way to the real ones.
      responses: { ...(upstream.responses as Json), ...errorsOf(op) },
    });
  }
  return dropUndefined(op);
}

function requestBody(o: Operation): Json | undefined {
  const body = plain(o.route.schema?.body);
  if (body === undefined) return undefined;
  // Property examples are fragments (a date alone cannot be valid for every field); one whole request is.
  const media: Json = { schema: o.registry.ref(o.info.request ?? 'Request', withoutExamples(body)) };
  if (o.info.example)
    media.examples = { request: { summary: 'A valid request', value: o.info.example(o.today) } };
  return { required: true, content: { 'application/json': media } };
}

function successes(o: Operation, kind: RouteKind): Json {
  const declared = (o.route.schema?.response ?? {}) as Record<string, unknown>;
  const bodies = Object.keys(declared).length > 0 ? declared : { '200': o.info.responseSchema };
  const out: Json = {};
  for (const [status, body] of Object.entries(bodies)) {
    const schema = plain(body);
    const json =
      schema === undefined ? undefined : { schema: o.registry.ref(o.info.response ?? 'Response', schema) };
    const content = o.info.media ?? (json ? { 'application/json': json } : undefined);
    out[status] = dropUndefined({
      description: Number(status) === 201 ? 'Created.' : 'OK.',
      headers: {
        'X-Request-Id': { $ref: '#/components/headers/RequestId' },
        ...(kind === 'signedWrite'
          ? { 'Idempotent-Replayed': { $ref: '#/components/headers/IdempotentReplayed' } }
          : {}),
      },
      content,
    });
  }
  return out;
}

function failures(o: Operation, kind: RouteKind): Json {
  const schema = o.route.schema ?? {};
  const codes = new Set<ErrorCode>([
    ...EVERY_ROUTE,
    ...(kind === 'public' ? [] : AUTHENTICATED),
    ...(kind === 'signedWrite' ? SIGNED : []),
    ...(schema.params || schema.querystring ? (['request.invalid'] as const) : []),
    ...(schema.errorCodes ?? []),
  ]);
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = errorCatalogue[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Json = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: `One of: ${list.map((code) => `\`${code}\``).join(', ')}.`,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return out;
}

function dropUndefined(object: Json): Json {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

/** Component schemas of gateway upstreams' documents, beside Tessera's own (their names carry a prefix). */
function withUpstreamSchemas(base: Json, upstream: Json): Json {
  if (Object.keys(upstream).length === 0) return base;
  return { ...base, schemas: { ...(base.schemas as Json), ...upstream } };
}

function errorsOf(op: Json): Json {
  return Object.fromEntries(Object.entries(op.responses as Json).filter(([status]) => Number(status) >= 400));
}
