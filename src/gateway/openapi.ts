// An upstream may name its own OpenAPI document; the operations of the routes Tessera fronts are taken
// from it and served inside /v1/openapi.json, where the document builder adds Tessera's security scheme,
// signing headers and error responses. The upstream's component schemas are renamed `<upstream>.<name>`
// so two upstreams (or an upstream and Tessera) cannot overwrite each other's.
import type { FastifySchema } from 'fastify';
import type { GatewayMethod, GatewayRoute } from './config.ts';

type Json = Record<string, unknown>;

declare module 'fastify' {
  interface FastifySchema {
    /** The upstream's own OpenAPI operation for a gateway route (src/gateway/openapi.ts). */
    upstreamOperation?: Json;
    /** Component schemas that operation refers to, already renamed. */
    upstreamSchemas?: Json;
  }
}

export function upstreamOperation(route: GatewayRoute, method: GatewayMethod): FastifySchema {
  const upstream = route.upstream;
  const fallback: FastifySchema = { description: `Forwarded to the \`${upstream.name}\` upstream.` };
  const document = upstream.openapi;
  if (!document || method === 'HEAD') return fallback;
  const paths = (document.paths ?? {}) as Record<string, Json>;
  const basePath = upstream.url.pathname.replace(/\/+$/, '');
  const wanted = [shapeOf(route.path), shapeOf(basePath + route.path)];
  const pathItem = Object.entries(paths).find(([path]) => wanted.includes(shapeOf(path)))?.[1];
  const operation = pathItem?.[method.toLowerCase()];
  if (typeof operation !== 'object' || operation === null) return fallback;
  const components = (document.components ?? {}) as { schemas?: Json };
  const schemas = Object.fromEntries(
    Object.entries(components.schemas ?? {}).map(([name, schema]) => [
      `${upstream.name}.${name}`,
      renameRefs(schema, upstream.name),
    ]),
  );
  return { upstreamOperation: renameRefs(operation, upstream.name) as Json, upstreamSchemas: schemas };
}

/** `/v1/accounts/:id` and `/v1/accounts/{account_id}` have the same shape. */
function shapeOf(path: string): string {
  return path.replace(/:[A-Za-z_][A-Za-z0-9_]*|\{[^}]+\}/g, '{}');
}

function renameRefs(value: unknown, upstream: string): unknown {
  if (Array.isArray(value)) return value.map((item) => renameRefs(item, upstream));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) =>
      key === '$ref' && typeof item === 'string' && item.startsWith('#/components/schemas/')
        ? [key, `#/components/schemas/${upstream}.${item.slice('#/components/schemas/'.length)}`]
        : [key, renameRefs(item, upstream)],
    ),
  );
}
