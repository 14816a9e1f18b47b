// Remembers every route as it is registered (Fastify's onRoute hook), with the schemas and security it
// declares, so the OpenAPI document is generated from the very schemas that validate requests.
import type { RouteOptions } from 'fastify';
import type { ErrorCode } from '../errors.ts';
import type { RouteSecurity } from '../pipeline/context.ts';

// Descriptive fields a route may add to its schema. Fastify ignores them; the OpenAPI generator reads them.
declare module 'fastify' {
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
    operationId?: string;
    /** Catalogued errors the handler itself may answer with, beyond those of the route's pipeline. */
    errorCodes?: readonly ErrorCode[];
  }
}

export interface CataloguedRoute {
  method: string;
  /** Fastify's pattern, e.g. `/v1/quotes/:id`. */
  url: string;
  schema: RouteOptions['schema'];
  security: RouteSecurity | undefined;
}

export class RouteCatalogue {
  readonly #routes: CataloguedRoute[] = [];

  /** Bound, so it can be handed to `app.addHook('onRoute', …)` directly. */
  readonly record = (route: RouteOptions): void => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      this.#routes.push({ method, url: route.url, schema: route.schema, security: route.config?.security });
    }
  };

  routes(): readonly CataloguedRoute[] {
    return this.#routes;
  }
}
