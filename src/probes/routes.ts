// GET /livez and GET /readyz for load balancers and orchestrators. Public: no authentication, no audit
// event, no rate limit (a probe every second from every balancer would flood the audit log and eat a
// budget), and the body names failing checks only: never an error message, a version or a host.
import type { FastifyInstance } from 'fastify';
import type { Readiness } from './readiness.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Served over plain HTTP even where Tessera otherwise requires HTTPS from its proxy: kubelets and
     * balancers probe the node directly, not through the TLS-terminating proxy, and a probe reveals nothing.
     */
    probe?: true;
  }
}

const probe = { config: { security: { kind: 'public' as const }, probe: true as const } };

export function probeRoutes(readiness: Readiness) {
  return (app: FastifyInstance): void => {
    app.get('/livez', probe, async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return { status: 'live' };
    });
    app.get('/readyz', probe, async (_request, reply) => {
      const failing = await readiness.failing();
      reply.header('cache-control', 'no-store');
      reply.code(failing.length === 0 ? 200 : 503);
      return { status: failing.length === 0 ? 'ready' : 'not_ready', failing };
    });
  };
}
