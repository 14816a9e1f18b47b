// Knows every registered route's path pattern, so an unmatched request can be told apart: a path that
// exists under another method is 405 (with Allow), anything else is 404.

export class RouteTable {
  readonly #routes: Array<{ pattern: RegExp; method: string }> = [];

  add(method: string | string[], url: string): void {
    const pattern = new RegExp(
      `^${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]+/g, '[^/]+')}$`,
    );
    for (const m of Array.isArray(method) ? method : [method]) this.#routes.push({ pattern, method: m });
  }

  allowedMethods(path: string): string[] {
    const methods = new Set<string>();
    for (const route of this.#routes) if (route.pattern.test(path)) methods.add(route.method);
    return [...methods].sort();
  }
}
