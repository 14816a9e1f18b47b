// Prometheus metrics at GET /metrics, reachable only from the admin IP allowlist (no token, so that a
// scraper needs no credential). Labels use the route pattern, never the raw path, to keep cardinality fixed.
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { GroupCommitWriter } from './audit/group-commit.ts';
import type { AuditSequencer } from './audit/sequencer.ts';
import type { Argon2Verifier } from './keys/argon2.ts';
import type { KeyCache } from './keys/key-cache.ts';
import type { Stage } from './pipeline/stage.ts';

export interface MetricSources {
  argon2: Argon2Verifier;
  keyCache: KeyCache;
  auditWriter: GroupCommitWriter;
  auditSequencer: Pick<AuditSequencer, 'placed' | 'leading'>;
  /** Series of other modules (the gateway's), served with these. */
  extra?: Registry | undefined;
}

export function metricsRoutes(sources: MetricSources, adminIpAllowlist: Stage) {
  return (app: FastifyInstance): void => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const requests = new Counter({
      name: 'tessera_http_requests_total',
      help: 'Requests answered, by route, method, status and error code',
      labelNames: ['route', 'method', 'status', 'code'],
      registers: [registry],
    });
    const latency = new Histogram({
      name: 'tessera_http_request_duration_seconds',
      help: 'Time from request to response, by route',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    new Gauge({
      name: 'tessera_argon2_verifications_total',
      help: 'Argon2id verifications run by this node',
      registers: [registry],
      collect() {
        this.set(sources.argon2.verifications);
      },
    });
    new Gauge({
      name: 'tessera_key_cache_entries',
      help: 'Keys whose verification this node holds in memory',
      registers: [registry],
      collect() {
        this.set(sources.keyCache.size);
      },
    });
    new Gauge({
      name: 'tessera_audit_batches_total',
      help: 'Audit group-commit batches written by this node',
      registers: [registry],
      collect() {
        this.set(sources.auditWriter.batches);
      },
    });
    new Gauge({
      name: 'tessera_audit_sequenced_events_total',
      help: 'Audit events this node placed in their chains while it held the sequencer lock',
      registers: [registry],
      collect() {
        this.set(sources.auditSequencer.placed);
      },
    });
    new Gauge({
      name: 'tessera_audit_sequencer_leader',
      help: "1 while this node holds the cluster's audit sequencer lock",
      registers: [registry],
      collect() {
        this.set(sources.auditSequencer.leading ? 1 : 0);
      },
    });

    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      requests.inc({
        route,
        method: request.method,
        status: reply.statusCode,
        code: request.tessera?.errorCode ?? '',
      });
      latency.observe({ route }, reply.elapsedTime / 1000);
    });

    const served = sources.extra ? Registry.merge([registry, sources.extra]) : registry;
    // An async wrapper: Fastify would wait for a `done` callback from a plain two-argument function.
    const onlyFromAdminNetworks = async (...args: Parameters<Stage>) => adminIpAllowlist(...args);
    app.get(
      '/metrics',
      { config: { security: { kind: 'public' } }, onRequest: onlyFromAdminNetworks },
      async (_, reply) => {
        reply.type(registry.contentType);
        return served.metrics();
      },
    );
  };
}
