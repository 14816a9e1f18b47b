// Wires Tessera together: opens the database, builds each pipeline stage from configuration, starts the
// change feed and the housekeeping jobs, and returns the HTTP app with a close() that undoes all of it.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { setUpAdminToken } from './admin/admin-token.ts';
import { keyRollRoutes } from './admin/key-roll.ts';
import { adminRoutes } from './admin/routes.ts';
import { staffAdminRoutes } from './admin/staff-routes.ts';
import { AllowlistCache } from './allowlist/allowlist-cache.ts';
import { meRoutes } from './api/me.ts';
import { GroupCommitWriter } from './audit/group-commit.ts';
import { auditJobs, auditRoutes } from './audit/routes.ts';
import { AuditSequencer } from './audit/sequencer.ts';
import { signerFor } from './audit/signer.ts';
import { type Config, ConfigError } from './config.ts';
import { consoleJobs, consoleRoutes } from './console/index.ts';
import { ChangeFeed } from './db/change-feed.ts';
import type { Database } from './db/database.ts';
import { openDatabase } from './db/open.ts';
import type { AppDeps } from './deps.ts';
import { domainRoutes } from './domain/index.ts';
import { loadGatewayConfiguration, setUpGateway } from './gateway/index.ts';
import { purgeGatewayRecords } from './gateway/purge.ts';
import { purgeExpiredWriteRecords, startJobs } from './jobs.ts';
import { ARGON2_COST, type Argon2Cost, Argon2Verifier } from './keys/argon2.ts';
import { FailureThrottle } from './keys/failure-throttle.ts';
import { KeyCache, keyCacheSubscriber, partnerKeyCacheSubscriber } from './keys/key-cache.ts';
import { KeyVerifier, unknownPrefixHashFor } from './keys/verifier.ts';
import { closeHttpWithin } from './lifecycle/shutdown.ts';
import { createLogger } from './log.ts';
import { metricsRoutes } from './metrics.ts';
import { compileCidrs } from './net/cidr.ts';
import { isLoopbackHost } from './net/loopback.ts';
import { authenticate } from './pipeline/authenticate.ts';
import { authenticateAdmin } from './pipeline/authenticate-admin.ts';
import { authorizeScope } from './pipeline/authorize.ts';
import { authorizeStaff } from './pipeline/authorize-staff.ts';
import { ConcurrencyLimit } from './pipeline/concurrency-limit.ts';
import { requireIdempotencyKey } from './pipeline/idempotency-key.ts';
import type { PipelineStages } from './pipeline/index.ts';
import { adminIpAllowlist, partnerIpAllowlist } from './pipeline/ip-allowlist.ts';
import { parseJsonBody } from './pipeline/json-body.ts';
import { rateLimit } from './pipeline/rate-limit.ts';
import { RejectionAggregator } from './pipeline/rejection-aggregator.ts';
import { verifySignature } from './pipeline/signature.ts';
import { UnauthenticatedLimit } from './pipeline/unauthenticated-limit.ts';
import { registerCoreChecks } from './probes/checks.ts';
import { Readiness } from './probes/readiness.ts';
import { probeRoutes } from './probes/routes.ts';
import { RedisRateLimitStore } from './rate-limit/redis-store.ts';
import { MemoryRateLimitStore, type RateLimitStore } from './rate-limit/store.ts';
import { buildServer, type RouteRegistrar } from './server.ts';
import { StaffTokenVerifier } from './staff/access-token.ts';
import { staffConsoleRoutes } from './staff/console/index.ts';
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
  /**
   * For tests only, and only in code (no environment variable can reach it): hash new key secrets at a
   * lower Argon2id cost than ARGON2_COST, so a suite that issues thousands of keys does not spend minutes
   * on 64 MiB hashes. Unknown prefixes are checked at the same cost, as in production.
   */
  argon2Cost?: Argon2Cost;
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
  auditSequencer: AuditSequencer;
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

  const gatewayConfig = loadGatewayConfiguration(config);
  const traced = instrumentation(config.otlpEndpoint);
  const db = traced.database(options.db ?? (await openDatabase(config)));
  const adminToken = config.adminTokenEnabled ? await setUpAdminToken(db, config.adminToken) : undefined;
  const staffTokens = config.staffOidc ? new StaffTokenVerifier(config.staffOidc, now) : undefined;
  const keyCache = new KeyCache();
  const argon2Cost = options.argon2Cost ?? ARGON2_COST;
  const argon2 = new Argon2Verifier(config.argon2Concurrency);
  const throttle = new FailureThrottle(config.authFailureLimit, config.authFailureWindowMs);
  const verifier = new KeyVerifier(
    db,
    keyCache,
    argon2,
    throttle,
    config.keyCacheTtlMs,
    now,
    config.authFailureWindowMs,
    await unknownPrefixHashFor(argon2Cost),
  );
  const allowlists = new AllowlistCache(db, now);

  const feed = new ChangeFeed();
  feed.subscribe('key', keyCacheSubscriber(keyCache));
  feed.subscribe('partner', partnerKeyCacheSubscriber(keyCache));
  feed.subscribe('allowlist', allowlists.subscriber());
  await feed.start(db);

  const rateStore: RateLimitStore = config.redisUrl
    ? new RedisRateLimitStore(config.redisUrl)
    : new MemoryRateLimitStore(now);
  const auditSequencer = new AuditSequencer(db, {
    onError: (error) =>
      logger.warn({ event: 'audit.sequencer_failed', err: error }, 'audit sequencer failed'),
  });
  const auditWriter = new GroupCommitWriter(db);
  const unauthenticatedLimit = new UnauthenticatedLimit(config.unauthenticatedLimitPerMinute, now, (key) =>
    verifier.holdsVerifiedSecret(key),
  );
  const rejections = new RejectionAggregator(auditWriter, now);

  const stages: PipelineStages = {
    authenticate: traced.stage('authenticate', authenticate(verifier)),
    partnerIpAllowlist: partnerIpAllowlist(allowlists),
    rateLimit: rateLimit(rateStore, config.rateLimitPerMinute),
    limitConcurrency: new ConcurrencyLimit(config.maxConcurrentPerKey).stage,
    authorizeScope,
    verifySignature: verifySignature(now),
    requireIdempotencyKey,
    parseJsonBody,
    adminIpAllowlist: adminIpAllowlist(compileCidrs(config.adminAllowlist)),
    authenticateAdmin: traced.stage(
      'authenticate admin',
      authenticateAdmin({
        adminToken: adminToken?.check,
        staffTokens,
        throttle: new FailureThrottle(config.authFailureLimit, config.authFailureWindowMs),
        now,
      }),
    ),
    authorizeStaff,
    limitUnauthenticated: unauthenticatedLimit.stage,
    ...options.benchmarkOverrides?.stages,
  };
  const deps: AppDeps = { db, config, now, logger, auditWriter, argon2Cost };
  // Loaded (or, on the embedded default, generated) at start rather than at the first seal.
  const signer = signerFor(deps);
  await signer();
  const readiness = new Readiness();
  registerCoreChecks(readiness, { db, feed, auditWriter, signer });
  const gateway = await setUpGateway(deps, gatewayConfig);
  const routes: RouteRegistrar[] = [
    domainRoutes(deps), // first: its OpenAPI catalogue records the routes registered after it
    metricsRoutes(
      { argon2, keyCache, auditWriter, auditSequencer, extra: gateway.metrics },
      stages.adminIpAllowlist,
    ),
    meRoutes,
    adminRoutes(deps),
    staffAdminRoutes(deps),
    keyRollRoutes(db, now, argon2Cost),
    auditRoutes(deps),
    consoleRoutes(deps),
    staffConsoleRoutes(deps),
    probeRoutes(readiness),
    gateway.routes, // last: a gateway route that collides with a built-in one fails the start
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
    unauthenticated:
      options.benchmarkOverrides?.audit === 'off'
        ? undefined
        : { limit: unauthenticatedLimit, aggregator: rejections },
  });
  rejections.start();
  auditSequencer.start();
  const jobs = [
    purgeExpiredWriteRecords(db),
    ...auditJobs(deps),
    ...consoleJobs(deps),
    purgeGatewayRecords(db),
  ];
  const stopJobs = startJobs(jobs, (job, error) =>
    logger.warn({ job: job.name, err: error }, 'housekeeping job failed'),
  );

  return {
    app,
    db,
    logger,
    generatedAdminToken: adminToken?.generated,
    argon2,
    keyCache,
    auditWriter,
    auditSequencer,
    readiness,
    async listen() {
      // Fastify logs each interface the socket answers on; the banner (`tessera serve`) names the bound one.
      const listenTextResolver = (address: string) => `reachable at ${address}`;
      await app.listen({ host: config.host, port: config.port, listenTextResolver });
      return boundUrl(app, https !== undefined);
    },
    async close() {
      const http = await closeHttpWithin(app, config.shutdownTimeoutMs);
      if (http === 'timed_out') logger.warn({ event: 'shutdown.in_flight_cut' }, 'in-flight requests cut');
      gateway.close();
      await stopJobs();
      await rejections.close();
      await auditWriter.drain();
      await auditSequencer.stop();
      await feed.stop();
      await rateStore.close();
      if (!options.db) await db.close();
      await traced.shutdown();
    },
  };
}

/**
 * The address the socket is actually bound to (`0.0.0.0` with HOST=0.0.0.0), not the loopback URL Fastify
 * lists first: an operator reading the banner must see what is exposed.
 */
function boundUrl(app: FastifyInstance, overTls: boolean): string {
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${overTls ? 'https' : 'http'}://${host}:${address.port}`;
}

function loadTls(config: Config) {
  if (!config.tlsCert || !config.tlsKey) return undefined;
  return {
    cert: readFileSync(config.tlsCert),
    key: readFileSync(config.tlsKey),
    minVersion: config.tlsMinVersion,
  };
}
