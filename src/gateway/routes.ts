// Registers the gateway's routes with the pipeline kind their methods call for: reads (GET, HEAD) are
// `read` routes, writes are `signedWrite` routes whose body stays raw bytes (any content type: the
// signature covers the bytes, and the upstream gets them unchanged). They live in their own encapsulated
// context, so accepting any content type there does not loosen the JSON-only built-in routes.
import type { FastifyInstance } from 'fastify';
import type { Scope } from '../keys/scopes.ts';
import type { RouteSecurity } from '../pipeline/context.ts';
import { type GatewayConfig, GatewayConfigError, type GatewayRoute, READ_METHODS } from './config.ts';
import type { Forwarder } from './forward.ts';
import { upstreamOperation } from './openapi.ts';
import type { UpstreamPool } from './upstream.ts';

export function registerGatewayRoutes(
  app: FastifyInstance,
  config: GatewayConfig,
  pools: ReadonlyMap<string, UpstreamPool>,
  forwarder: Forwarder,
): void {
  app.register(async (scope) => {
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
      request.rawBody = body as Buffer;
      done(null, undefined);
    });
    config.routes.forEach((route, index) => {
      const pool = pools.get(route.upstream.name);
      if (!pool) throw new Error(`no pool for upstream ${route.upstream.name}`);
      try {
        registerRoute(scope, route, pool, forwarder);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new GatewayConfigError(`routes[${index}]`, `cannot be registered: ${reason}`);
      }
    });
  });
}

function registerRoute(app: FastifyInstance, route: GatewayRoute, pool: UpstreamPool, forwarder: Forwarder) {
  // The scope was registered as a valid key scope when the configuration was loaded (see gateway/index.ts).
  const scope = route.scope as Scope;
  const methods = [...route.methods];
  if (methods.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD');
  for (const method of methods) {
    const read = READ_METHODS.includes(method);
    const security: RouteSecurity = read
      ? { kind: 'read', scope }
      : { kind: 'signedWrite', scope, body: 'raw' };
    app.route({
      method,
      url: route.path,
      exposeHeadRoute: false,
      config: { security },
      ...(read || route.bodyLimitBytes === undefined ? {} : { bodyLimit: route.bodyLimitBytes }),
      schema: upstreamOperation(route, method),
      handler: read
        ? (request, reply) => forwarder.read(pool, request, reply)
        : (request, reply) => forwarder.write(pool, request, reply),
    });
  }
}
