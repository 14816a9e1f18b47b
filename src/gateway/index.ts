// The gateway, wired: its configuration loaded and validated at start, its scopes made valid key scopes,
// one connection pool per upstream, the assertion keys, and the routes (partner routes, the JWKS, and the
// admin listing `tessera gateway routes` reads). Without TESSERA_GATEWAY_CONFIG only the listing exists.
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { type Config, ConfigError } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { addGatewayScopes } from '../keys/scopes.ts';
import type { RouteRegistrar } from '../server.ts';
import { type GatewayConfig, GatewayConfigError, loadGatewayConfig } from './config.ts';
import { Forwarder } from './forward.ts';
import { WriteLeases } from './lease.ts';
import { GatewayMetrics } from './metrics.ts';
import { registerGatewayRoutes } from './routes.ts';
import { loadAssertionKeys } from './signing-key.ts';
import { UpstreamPool } from './upstream.ts';

export interface Gateway {
  readonly routes: RouteRegistrar;
  readonly metrics: Registry | undefined;
  close(): void;
}

const admin = { security: { kind: 'admin' as const } };
const publicRoute = { security: { kind: 'public' as const } };

export async function setUpGateway(deps: AppDeps, config: GatewayConfig | undefined): Promise<Gateway> {
  if (!config) return { routes: (app) => listingRoute(app, undefined), metrics: undefined, close() {} };

  addGatewayScopes(config.routes.map((route) => route.scope));
  const keys = await loadAssertionKeys(deps.config, (message) => deps.logger.warn(message));
  const pools = new Map([...config.upstreams.values()].map((u) => [u.name, new UpstreamPool(u)]));
  const metrics = new GatewayMetrics();
  const forwarder = new Forwarder({
    keys,
    leases: new WriteLeases(deps.db, deps.config.idempotencyLeaseMs, deps.now),
    metrics,
    issuer: deps.config.publicUrl,
    maxStoredResponseBytes: deps.config.idempotencyMaxResponseBytes,
    now: deps.now,
  });
  return {
    routes(app) {
      listingRoute(app, config);
      app.get('/.well-known/jwks.json', { config: publicRoute }, async (_request, reply) => {
        reply.header('cache-control', 'public, max-age=300').type('application/jwk-set+json');
        return JSON.stringify(keys.jwks);
      });
      registerGatewayRoutes(app, config, pools, forwarder);
    },
    metrics: metrics.registry,
    close() {
      for (const pool of pools.values()) pool.close();
    },
  };
}

/** Validates TESSERA_GATEWAY_CONFIG before anything is opened, so a mistake stops the start cleanly. */
export function loadGatewayConfiguration(config: Config): GatewayConfig | undefined {
  if (!config.gatewayConfigFile) return undefined;
  try {
    return loadGatewayConfig(config.gatewayConfigFile, { idempotencyLeaseMs: config.idempotencyLeaseMs });
  } catch (error) {
    if (error instanceof GatewayConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

/** GET /admin/v1/gateway/routes: what this node forwards, for `tessera gateway routes`. */
function listingRoute(app: FastifyInstance, config: GatewayConfig | undefined): void {
  const data = (config?.routes ?? []).map((route) => ({
    path: route.path,
    methods: route.methods,
    upstream: route.upstream.name,
    upstream_url: route.upstream.url.href,
    scope: route.scope,
  }));
  app.get('/admin/v1/gateway/routes', { config: admin }, async () => ({ data }));
}
