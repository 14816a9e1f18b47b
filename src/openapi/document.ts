// Generates the OpenAPI 3.1 document from the catalogued /v1 routes: their TypeBox schemas (JSON Schema,
// which OpenAPI 3.1 embeds as is), their security kind and scope, and the catalogued errors they can answer.
import { type ErrorCode, errorCatalogue } from '../errors.ts';
import type { RouteKind } from '../pipeline/context.ts';
import type { CataloguedRoute } from './catalogue.ts';
import { API_DESCRIPTION, components, SIGNED_WRITE_HEADERS } from './components.ts';

type Json = Record<string, unknown>;

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

export function buildOpenApiDocument(routes: readonly CataloguedRoute[]): Json {
  const paths: Record<string, Json> = {};
  const upstreamSchemas: Json = {};
  for (const route of routes) {
    if (!route.url.startsWith('/v1/')) continue;
    const path = route.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route) };
    Object.assign(upstreamSchemas, route.schema?.upstreamSchemas);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Tessera partner API', version: '1', description: API_DESCRIPTION },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    tags: [
      { name: 'identity', description: 'Who is calling.' },
      { name: 'quotes', description: 'Price a trip; quotes are valid for 15 minutes.' },
      { name: 'bookings', description: 'Book a quote exactly once; list and cancel bookings.' },
    ],
    paths,
    components: withUpstreamSchemas(components(), upstreamSchemas),
  };
}

function operation(route: CataloguedRoute): Json {
  const schema = route.schema ?? {};
  const kind: RouteKind = route.security?.kind ?? 'public';
  const scope = route.security?.scope;
  const parameters = [
    ...parametersOf(schema.params, 'path'),
    ...parametersOf(schema.querystring, 'query'),
    ...(kind === 'signedWrite'
      ? SIGNED_WRITE_HEADERS.map((name) => ({ $ref: `#/components/parameters/${name}` }))
      : []),
  ];
  const description = [schema.description, scope ? `Requires the \`${scope}\` permission.` : undefined]
    .filter(Boolean)
    .join('\n\n');
  const op: Json = {
    operationId: schema.operationId ?? operationIdOf(route),
    summary: schema.summary,
    description: description || undefined,
    tags: schema.tags,
    security: kind === 'public' ? [] : [{ bearerAuth: [] }],
    parameters: parameters.length > 0 ? parameters : undefined,
    responses: responses(schema, kind),
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
      // The upstream's answers, then Tessera's errors; Tessera's placeholder 200 gives way to the real one.
      responses: {
        ...(op.responses as Json),
        '200': undefined,
        ...(upstream.responses as Json),
        ...errorsOf(op),
      },
    });
  }
  if (schema.body !== undefined) {
    op.requestBody = {
      required: true,
      content: { 'application/json': { schema: plain(schema.body) } },
    };
  }
  return dropUndefined(op);
}

function responses(schema: NonNullable<CataloguedRoute['schema']>, kind: RouteKind): Json {
  const out: Json = {};
  const declared = (schema.response ?? {}) as Record<string, unknown>;
  for (const [status, body] of Object.entries(declared)) {
    out[status] = {
      description: Number(status) === 201 ? 'Created.' : 'OK.',
      headers: {
        'X-Request-Id': { $ref: '#/components/headers/RequestId' },
        ...(kind === 'signedWrite'
          ? { 'Idempotent-Replayed': { $ref: '#/components/headers/IdempotentReplayed' } }
          : {}),
      },
      content: { 'application/json': { schema: plain(body) } },
    };
  }
  if (Object.keys(out).length === 0) out['200'] = { description: 'OK.' };
  const codes = new Set<ErrorCode>([
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
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: `One of: ${list.map((code) => `\`${code}\``).join(', ')}.`,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return out;
}

function parametersOf(schema: unknown, location: 'path' | 'query'): Json[] {
  const object = plain(schema) as { properties?: Record<string, Json>; required?: string[] } | undefined;
  if (!object?.properties) return [];
  return Object.entries(object.properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return dropUndefined({
      name,
      in: location,
      required: location === 'path' || (object.required ?? []).includes(name),
      description,
      schema: rest,
    });
  });
}

function operationIdOf(route: CataloguedRoute): string {
  const words = route.url.split(/[/:_.-]+/).filter(Boolean);
  return [route.method.toLowerCase(), ...words.map((w) => w.charAt(0).toUpperCase() + w.slice(1))].join('');
}

/** A deep copy without TypeBox's symbol-keyed metadata: what JSON serialisation would show. */
function plain(schema: unknown): Json | undefined {
  return schema === undefined ? undefined : (JSON.parse(JSON.stringify(schema)) as Json);
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
