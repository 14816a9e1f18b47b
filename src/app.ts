// Wires Tessera together: opens the database, builds each pipeline stage from configuration, starts the
// change feed and the housekeeping jobs, and returns the HTTP app with a close() that undoes all of it.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { setUpAdminToken } from './admin/admin-token.ts';
import { adminRoutes } from './admin/routes.ts';
import { AllowlistCache } from './allowlist/allowlist-cache.ts';
import { meRoutes } from './api/me.ts';
import { GroupCommitWriter } from './audit/group-commit.ts';
import { auditJobs, auditRoutes } from './audit/routes.ts';
import { type Config, ConfigError } from './config.ts';
import { consoleJobs, consoleRoutes } from './console/index.ts';
import { ChangeFeed } from './db/change-feed.ts';
import type { Database } from './db/database.ts';
import { openDatabase } from './db/open.ts';
import type { AppDeps } from './deps.ts';
import { domainRoutes } from './domain/index.ts';
import { purgeExpiredWriteRecords, startJobs } from './jobs.ts';
import { Argon2Verifier } from './keys/argon2.ts';
import { FailureThrottle } from './keys/failure-throttle.ts';
import { KeyCache, keyCacheSubscriber } from './keys/key-cache.ts';
import { KeyVerifier } from './keys/verifier.ts';
import { closeHttpWithin } from './lifecycle/shutdown.ts';
import { createLogger } from './log.ts';
import { metricsRoutes } from './metrics.ts';
import { compileCidrs } from './net/cidr.ts';
import { isLoopbackHost } from './net/loopback.ts';
import { authenticate } from './pipeline/authenticate.ts';
import { authenticateAdmin } from './pipeline/authenticate-admin.ts';
import { authorizeScope } from './pipeline/authorize.ts';
import { requireIdempotencyKey } from './pipeline/idempotency-key.ts';
import type { PipelineStages } from './pipeline/index.ts';
import { adminIpAllowlist, partnerIpAllowlist } from './pipeline/ip-allowlist.ts';
import { parseJsonBody } from './pipeline/json-body.ts';
import { rateLimit } from './pipeline/rate-limit.ts';
import { verifySignature } from './pipeline/signature.ts';
import { ensureSigningKey, registerCoreChecks } from './probes/checks.ts';
import { Readiness } from './probes/readiness.ts';
import { probeRoutes } from './probes/routes.ts';
import { RedisRateLimitStore } from './rate-limit/redis-store.ts';
import { MemoryRateLimitStore, type RateLimitStore } from './rate-limit/store.ts';
import { buildServer, type RouteRegistrar } from './server.ts';
import { instrumentation } from './tracing/index.ts';

export interface TesseraOptions {
  logger?: Logger;
  /** An already open, migrated database (tests share one per file). Tessera does not close it. */
  db?: Database;
  now?: () => number;
  /**
   * For benchmarks only, and only in code (no environment variable can reach it): replace pipeline stages
   * with no-ops to measure a baseline, or skip the audit record. Never used by `tessera serve`.
   */
  benchmarkOverrides?: { stages?: Partial<PipelineStages>; audit?: 'off' };
}

export interface Tessera {
  app: FastifyInstance;
  db: Database;
  logger: Logger;
  /** The admin token generated at this start (shown once), if none existed. */
  generatedAdminToken: string | undefined;
  argon2: Argon2Verifier;
  keyCache: KeyCache;
  auditWriter: GroupCommitWriter;
  /** The /readyz checks; features register theirs here, and drain() starts a graceful shutdown. */
  readiness: Readiness;
  /** Starts listening; resolves to the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function createTessera(config: Config, options: TesseraOptions = {}): Promise<Tessera> {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createLogger(config.logLevel);
  const https = loadTls(config);
  const trustedProxies = compileCidrs(config.trustedProxies);
  const requireForwardedHttps = !https && !isLoopbackHost(config.host);
  if (requireForwardedHttps && config.trustedProxies.length === 0) {
    throw new ConfigError(
      `Refusing to serve plain HTTP on ${config.host}: set TESSERA_TLS_CERT and TESSERA_TLS_KEY, bind HOST to a ` +
        'loopback address, or set TESSERA_TRUSTED_PROXIES to the TLS-terminating proxies in front of Tessera.',
    );
  }

  const traced = instrumentation(config.otlpEndpoint);
  const db = traced.database(options.db ?? (await openDatabase(config)));
  const adminToken = await setUpAdminToken(db, config.adminToken);
  const keyCache = new KeyCache();
  const argon2 = new Argon2Verifier(config.argon2Concurrency);
  const throttle = new FailureThrottle(config.authFailureLimit, config.authFailureWindowMs);
  const verifier = new KeyVerifier(db, keyCache, argon2, throttle, config.keyCacheTtlMs, now);
  const allowlists = new AllowlistCache(db, now);

  const feed = new ChangeFeed();
  feed.subscribe('key', keyCacheSubscriber(keyCache));
  feed.subscribe('partner', { ...keyCacheSubscriber(keyCache), onChange: () => keyCache.clear() });
  feed.subscribe('allowlist', allowlists.subscriber());
  await feed.start(db);

  const rateStore: RateLimitStore = config.redisUrl
    ? new RedisRateLimitStore(config.redisUrl)
    : new MemoryRateLimitStore(now);
  const auditWriter = new GroupCommitWriter(db);
  await ensureSigningKey(db);
  const readiness = new Readiness();
  registerCoreChecks(readiness, { db, feed, auditWriter });

  const stages: PipelineStages = {
    authenticate: traced.stage('authenticate', authenticate(verifier)),
    partnerIpAllowlist: partnerIpAllowlist(allowlists),
    rateLimit: rateLimit(rateStore, config.rateLimitPerMinute),
    authorizeScope,
    verifySignature: verifySignature(now),
    requireIdempotencyKey,
    parseJsonBody,
    adminIpAllowlist: adminIpAllowlist(compileCidrs(config.adminAllowlist)),
    authenticateAdmin: traced.stage('authenticate admin', authenticateAdmin(adminToken.check)),
    ...options.benchmarkOverrides?.stages,
  };
  const deps: AppDeps = { db, config, now, logger, auditWriter };
  const routes: RouteRegistrar[] = [
    domainRoutes(deps), // first: its OpenAPI catalogue records the routes registered after it
    metricsRoutes({ argon2, keyCache, auditWriter }, stages.adminIpAllowlist),
    meRoutes,
    adminRoutes(db, now),
    auditRoutes(deps),
    consoleRoutes(deps),
    probeRoutes(readiness),
  ];
  const app = buildServer({
    config,
    logger,
    stages,
    auditWriter:
      options.benchmarkOverrides?.audit === 'off' ? { record: async () => {} } : traced.audit(auditWriter),
    instrument: traced.server,
    trustedProxies,
    routes,
    requireForwardedHttps,
    https,
    now,
  });
  const jobs = [purgeExpiredWriteRecords(db), ...auditJobs(deps), ...consoleJobs(deps)];
  const stopJobs = startJobs(jobs, (job, error) =>
    logger.warn({ job: job.name, err: error }, 'housekeeping job failed'),
  );

  return {
    app,
    db,
    logger,
    generatedAdminToken: adminToken.generated,
    argon2,
    keyCache,
    auditWriter,
    readiness,
    async listen() {
      return app.listen({ host: config.host, port: config.port });
    },
    async close() {
      const http = await closeHttpWithin(app, config.shutdownTimeoutMs);
      if (http === 'timed_out') logger.warn({ event: 'shutdown.in_flight_cut' }, 'in-flight requests cut');
      await stopJobs();
      await auditWriter.drain();
      await feed.stop();
      await rateStore.close();
      if (!options.db) await db.close();
      await traced.shutdown();
    },
  };
}

function loadTls(config: Config) {
  if (!config.tlsCert || !config.tlsKey) return undefined;
  return {
    cert: readFileSync(config.tlsCert),
    key: readFileSync(config.tlsKey),
    minVersion: config.tlsMinVersion,
  };
}
