// Every registered route, as data: its method, path pattern and declared security. An unmatched request is
// told apart with it (a path that exists under another method is 405 with Allow, anything else is 404),
// and the shared security suite walks it, so a new route is covered without anyone listing it.
import type { RouteSecurity } from '../pipeline/context.ts';

/** The surfaces whose routes run the pipeline: a route there must say which kind it is. */
const DECLARED_SURFACES = ['/v1/', '/admin/'];

export interface RegisteredRoute {
  method: string;
  url: string;
  security: RouteSecurity | undefined;
}

export class UndeclaredRouteError extends Error {
  constructor(method: string, url: string) {
    super(`${method} ${url} declares no security kind (config.security.kind): refusing to start`);
  }
}

export class RouteTable {
  readonly #routes: Array<RegisteredRoute & { pattern: RegExp }> = [];

  /** Fails closed: a partner or admin route without a declared kind would run no stage at all. */
  add(method: string | string[], url: string, security: RouteSecurity | undefined): void {
    const methods = Array.isArray(method) ? method : [method];
    if (!security?.kind && DECLARED_SURFACES.some((surface) => url.startsWith(surface)))
      throw new UndeclaredRouteError(methods.join(','), url);
    const pattern = new RegExp(
      `^${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]+/g, '[^/]+')}$`,
    );
    for (const m of methods) this.#routes.push({ pattern, method: m, url, security });
  }

  allowedMethods(path: string): string[] {
    const methods = new Set<string>();
    for (const route of this.#routes) if (route.pattern.test(path)) methods.add(route.method);
    return [...methods].sort();
  }

  /** Every route, HEAD twins included, in registration order. */
  routes(): readonly RegisteredRoute[] {
    return this.#routes.map(({ method, url, security }) => ({ method, url, security }));
  }
}
