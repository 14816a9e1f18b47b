// bench/gateway — what Tessera costs in front of an existing API, against nginx as a plain reverse proxy.
//
//   npm run bench:gateway        (node --import tsx bench/gateway.ts [--seconds=8])
//
// One upstream (node:http, bench/support/upstream-server.ts), three ways to reach it, in one run:
//   direct; through nginx (Debian's package, a private config in a temp dir, one worker, keep-alive to the
//   upstream, no authentication); through Tessera with everything on (Argon2id key + cache, allowlist,
//   rate limit counting every request, scope, Tessera-Assertion signed per request, durable audit event,
//   metrics) on PostgreSQL. Tessera and nginx each get the server core; the generator and the upstream the
//   other one.
// 1. 64 connections, as fast as they go: throughput, p50/p99. Target: Tessera ≥ 0.5 × nginx (A B B A).
//    For reference, the built-in GET /v1/me on the same node (same stages, same durable audit event,
//    nothing forwarded), not judged. And the floor, not judged: a bare Node.js proxy on the same core
//    (bench/support/bare-proxy.ts: node:http + undici, nothing else), without and with one Tessera-Assertion
//    signed per request, each against nginx: no Node.js gateway that signs the contract's assertion exceeds
//    the second ratio on this core.
// 2. At half of Tessera's throughput from (1), a fixed rate: a latency probe (one connection, sequential,
//    microsecond timer) measures p50 direct and through Tessera under that load; the difference is
//    Tessera's added latency. Target: ≤ 1 ms. nginx and GET /v1/me are probed at the same rate, and the
//    durability floor (one durable commit on this PostgreSQL) is measured, since every answer waits for
//    its audit event's commit; so is the signed floor proxy at the same rate.
// The rate limit and the per-key concurrency cap run on every request but are set far above what a run
// reaches; every phase checks that all its answers were 2xx.
// Writes the table to stdout and replaces the gateway section of bench/RESULTS.md.
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Actor } from '../src/actor.ts';
import { createTessera, type Tessera } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { randomToken } from '../src/crypto.ts';
import { knownScopes } from '../src/keys/scopes.ts';
import { createKey } from '../src/keys/store.ts';
import { createLogger } from '../src/log.ts';
import { createPartner } from '../src/partners/store.ts';
import { runInChild } from './support/child.ts';
import { measureCommitFloor } from './support/commit-floor.ts';
import { asMeasurement, compareInterleaved, refused, statusMix } from './support/compare.ts';
import { coreLayout, onGeneratorCore, pinServerProcess } from './support/cpus.ts';
import type { ProbePlan, ProbeResult } from './support/latency-probe.ts';
import { runLoad } from './support/load.ts';
import type { LoadPlan, LoadResult } from './support/load-plan.ts';
import { type Nginx, nginxBinary, startNginx } from './support/nginx.ts';
import { type BenchOptions, benchOptions } from './support/options.ts';
import { createBenchDatabase } from './support/postgres.ts';
import { type Check, resultsNotes, resultsTable, type ScenarioRow } from './support/report.ts';
import { writeResultsSection } from './support/results-section.ts';
import { isMain, progress } from './support/standalone.ts';

const CONNECTIONS = 64;
/**
 * Far above anything a run reaches (a few thousand requests a second, 65 connections at most: 64 for the
 * generator and one for the probe), so the rate limit and the per-key concurrency cap count every request
 * but never refuse one. The stages still run on every request.
 */
const LIMIT_PER_MINUTE = 10_000_000;
const MAX_CONCURRENT_PER_KEY = 4 * CONNECTIONS;
const PATH = '/v1/accounts/acc_1';
/** The built-in read with the same stages and the same durable audit event, and nothing forwarded. */
const ME_PATH = '/v1/me';
const UPSTREAM = fileURLToPath(new URL('./support/upstream-server.ts', import.meta.url));
const BARE_PROXY = fileURLToPath(new URL('./support/bare-proxy.ts', import.meta.url));
const PROBE = fileURLToPath(new URL('./support/latency-probe.ts', import.meta.url));

/** Starts a bench process that prints {"port"} once listening (the upstream, the floor proxy). */
async function startListening(
  script: string,
  args: string[],
  wrap: (command: string, args: string[]) => { command: string; args: string[] },
): Promise<{ port: number; child: ChildProcess }> {
  const { command, args: wrapped } = wrap(process.execPath, ['--import', 'tsx', script, ...args]);
  const child = spawn(command, wrapped, { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line')) as [
    string,
  ];
  return { port: (JSON.parse(line) as { port: number }).port, child };
}

async function startGatewayNode(
  upstreamPort: number,
  dir: string,
  db: Awaited<ReturnType<typeof createBenchDatabase>>['db'],
): Promise<{ tessera: Tessera; url: string; key: string }> {
  const signingKey = join(dir, 'signing-key.pem');
  writeFileSync(
    signingKey,
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }),
  );
  const configFile = join(dir, 'gateway.yaml');
  writeFileSync(
    configFile,
    `upstreams:\n  ledger: { url: "http://127.0.0.1:${upstreamPort}", max_connections: ${CONNECTIONS} }\nroutes:\n  - { path: /v1/accounts/:account_id, methods: [GET], upstream: ledger, scope: accounts:read }\n`,
  );
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    TESSERA_ADMIN_TOKEN: randomToken(),
    TESSERA_LOG_LEVEL: 'silent',
    TESSERA_RATE_LIMIT_PER_MINUTE: String(LIMIT_PER_MINUTE),
    TESSERA_MAX_CONCURRENT_PER_KEY: String(MAX_CONCURRENT_PER_KEY),
    TESSERA_GATEWAY_CONFIG: configFile,
    TESSERA_GATEWAY_SIGNING_KEY_FILE: signingKey,
    TESSERA_PUBLIC_URL: 'https://api.bench.example',
  });
  const tessera = await createTessera(config, { db, logger: createLogger('silent') });
  const url = await tessera.listen();
  const actor = new Actor('system', 'bench');
  // The partner's own limit, when set, wins over the node's default: set it as high, explicitly.
  const partner = await createPartner(db, actor, {
    name: 'Bench Bank',
    rateLimitPerMinute: LIMIT_PER_MINUTE,
  });
  const issued = await createKey(db, actor, {
    partnerId: partner.id,
    environment: 'test',
    name: 'bench',
    scopes: knownScopes(),
    expiresAt: null,
  });
  return { tessera, url, key: issued.key };
}

function probe(plan: ProbePlan): Promise<ProbeResult> {
  return runInChild<ProbePlan, ProbeResult>(PROBE, plan, onGeneratorCore);
}

/** The probe's p50/p99 while a generator holds `rate` req/s against the same target. */
async function latencyUnderLoad(
  target: Omit<LoadPlan, 'seconds'>,
  headers: Record<string, string>,
  seconds: number,
): Promise<{ load: LoadResult; probe: ProbeResult }> {
  const path = target.requests[0]?.path ?? PATH;
  const [load, probed] = await Promise.all([
    runLoad({ ...target, seconds }),
    probe({ url: target.url, path, headers, seconds: Math.max(1, seconds - 1) }),
  ]);
  return { load, probe: probed };
}

export async function benchGateway(options: BenchOptions): Promise<ScenarioRow[]> {
  const binary = nginxBinary();
  if (!binary) throw new Error('nginx is not installed: apt-get install -y nginx (Debian package)');
  const database = await createBenchDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-gateway-'));
  const upstream = await startListening(UPSTREAM, [], onGeneratorCore);
  const floorProxies: ChildProcess[] = [];
  let nginx: Nginx | undefined;
  let node: Awaited<ReturnType<typeof startGatewayNode>> | undefined;
  try {
    node = await startGatewayNode(upstream.port, dir, database.db);
    nginx = await startNginx(binary, upstream.port, CONNECTIONS, onServerCore);
    const auth = { authorization: `Bearer ${node.key}` };
    const read = (url: string, headers: Record<string, string> = {}, path = PATH) => ({
      url,
      connections: CONNECTIONS,
      requests: [{ method: 'GET' as const, path, headers }],
      order: 'cycle' as const,
    });
    const me = read(node.url, auth, ME_PATH);
    const direct = read(`http://127.0.0.1:${upstream.port}`);

    progress('gateway: direct to the upstream, 64 connections');
    await runLoad({ ...direct, seconds: options.warmupSeconds });
    const directMax = await runLoad({ ...direct, seconds: options.seconds });
    progress('gateway: Tessera vs nginx, 64 connections (A B B A)');
    const max = await compareInterleaved(
      read(node.url, auth),
      read(nginx.url),
      options.seconds,
      options.warmupSeconds,
    );

    progress('gateway: the floor, a bare Node.js proxy without and with the assertion, vs nginx');
    const bare = await startListening(BARE_PROXY, [String(upstream.port)], onServerCore);
    const bareSigned = await startListening(BARE_PROXY, [String(upstream.port), '--sign'], onServerCore);
    floorProxies.push(bare.child, bareSigned.child);
    const bareUrl = `http://127.0.0.1:${bare.port}`;
    const bareSignedUrl = `http://127.0.0.1:${bareSigned.port}`;
    const bareMax = await compareInterleaved(
      read(bareUrl),
      read(nginx.url),
      options.seconds,
      options.warmupSeconds,
    );
    const bareSignedMax = await compareInterleaved(
      read(bareSignedUrl),
      read(nginx.url),
      options.seconds,
      options.warmupSeconds,
    );

    progress('gateway: reference, the built-in GET /v1/me on the same node, 64 connections');
    await runLoad({ ...me, seconds: options.warmupSeconds });
    const meMax = await runLoad({ ...me, seconds: options.seconds });

    const rate = Math.max(1, Math.round(max.measured.okPerSecond / 2));
    progress(`gateway: latency at half of Tessera's throughput (${rate} req/s)`);
    const atRateDirect = await latencyUnderLoad({ ...direct, rate }, {}, options.seconds);
    const atRateTessera = await latencyUnderLoad({ ...read(node.url, auth), rate }, auth, options.seconds);
    const atRateNginx = await latencyUnderLoad({ ...read(nginx.url), rate }, {}, options.seconds);
    const atRateMe = await latencyUnderLoad({ ...me, rate }, auth, options.seconds);
    const atRateFloor = await latencyUnderLoad({ ...read(bareSignedUrl), rate }, {}, options.seconds);
    const addedBy = (side: { probe: ProbeResult }) =>
      Math.round((side.probe.p50 - atRateDirect.probe.p50) * 1000) / 1000;
    const added = addedBy(atRateTessera);
    const addedNginx = addedBy(atRateNginx);
    progress('gateway: the durability floor, one durable commit on this PostgreSQL');
    const floor = await measureCommitFloor(database.db, Math.min(options.seconds, 4));

    return [
      {
        scenario: 'gateway: GET direct to the upstream (node:http), 64 connections',
        measured: asMeasurement('direct', directMax),
        checks: [
          { label: `every request answered 2xx (${statusMix(directMax)})`, ok: refused(directMax) === 0 },
        ],
        notes: ['the ceiling: no proxy at all; the upstream runs on the generator core'],
      },
      {
        scenario: 'gateway: GET through Tessera (everything on) vs nginx reverse proxy, 64 connections',
        measured: asMeasurement('Tessera', max.measured),
        baseline: asMeasurement(`nginx (${nginx.version.replace('nginx version: ', '')})`, max.baseline),
        target: 0.5,
        checks: [
          {
            label: `every Tessera request answered 2xx (${statusMix(max.measured)})`,
            ok: refused(max.measured) === 0,
          },
        ],
        notes: [
          'Tessera: Argon2id key (cached), IP allowlist, rate limit (counting, never refusing), scope, Ed25519 Tessera-Assertion per request, durable audit event (group commit, PostgreSQL), metrics',
          `nginx: 1 worker on the server core, keepalive ${CONNECTIONS} to the upstream, no authentication; status mix ${statusMix(max.baseline)}`,
          `rounds nginx, Tessera, Tessera, nginx of ${Math.round(options.seconds / 2)} s each after ${options.warmupSeconds} s warm-up per side; p50 weighted mean, p99 worst round`,
        ],
      },
      {
        scenario: 'gateway (reference): built-in GET /v1/me on the same node vs nginx, 64 connections',
        measured: asMeasurement('Tessera GET /v1/me', meMax),
        baseline: asMeasurement('nginx (the rounds above)', max.baseline),
        checks: [{ label: `every request answered 2xx (${statusMix(meMax)})`, ok: refused(meMax) === 0 }],
        notes: [
          'what the same stages and durable audit cost with nothing forwarded: the ceiling the gateway route can approach on this node; not judged',
          `one round of ${options.seconds} s after ${options.warmupSeconds} s warm-up`,
        ],
      },
      floorRow(
        'gateway (floor): a bare Node.js proxy (node:http + undici, nothing else) vs nginx, 64 connections',
        bareMax,
        'the least any Node.js gateway does on this core: forward and pipe back, no authentication, no audit, no metrics; not judged',
        options,
      ),
      floorRow(
        'gateway (floor): the bare proxy + one Ed25519 Tessera-Assertion per request vs nginx, 64 connections',
        bareSignedMax,
        "the bare proxy plus the one per-request cost the contract makes unavoidable, signed by the gateway's own signAssertion: no Node.js gateway that meets the contract exceeds this ratio on this core; not judged",
        options,
      ),
      {
        scenario: `gateway: added p50 at half of Tessera's max (${rate} req/s), probe`,
        measured: {
          label: 'Tessera (probe)',
          throughput: atRateTessera.load.okPerSecond,
          unit: 'req/s',
          p50: atRateTessera.probe.p50,
          p99: atRateTessera.probe.p99,
        },
        baseline: {
          label: 'direct (probe)',
          throughput: atRateDirect.load.okPerSecond,
          unit: 'req/s',
          p50: atRateDirect.probe.p50,
          p99: atRateDirect.probe.p99,
        },
        checks: [
          { label: `Tessera's added p50: ${added} ms (target ≤ 1 ms)`, ok: added <= 1 },
          allAnswered2xx('direct', atRateDirect),
          allAnswered2xx('Tessera', atRateTessera),
          allAnswered2xx('nginx', atRateNginx),
          allAnswered2xx('GET /v1/me', atRateMe),
          allAnswered2xx('floor proxy', atRateFloor),
        ],
        notes: [
          `a generator holds ${rate} req/s (64 connections) while a probe (1 connection, sequential, microsecond timer) measures latency; probe samples: direct ${atRateDirect.probe.samples}, Tessera ${atRateTessera.probe.samples}, nginx ${atRateNginx.probe.samples}`,
          `nginx at the same rate: probe p50 ${atRateNginx.probe.p50} ms, p99 ${atRateNginx.probe.p99} ms (added p50 ${addedNginx} ms)`,
          `the built-in GET /v1/me at the same rate (same stages and durable audit, nothing forwarded): probe p50 ${atRateMe.probe.p50} ms, p99 ${atRateMe.probe.p99} ms (added p50 ${addedBy(atRateMe)} ms)`,
          `the bare proxy with the assertion (the floor rows above) at the same rate: probe p50 ${atRateFloor.probe.p50} ms, p99 ${atRateFloor.probe.p99} ms (added p50 ${addedBy(atRateFloor)} ms); with the durable commit's p50 below, the least any gateway that signs and audits durably adds here`,
          `durability floor: one durable commit on this PostgreSQL (autocommit one-row INSERT, one connection, synchronous_commit=${floor.synchronousCommit}, wal_sync_method=${floor.walSyncMethod}) p50 ${floor.p50} ms, p99 ${floor.p99} ms over ${floor.samples} commits; every Tessera answer waits for its audit event's commit`,
          `generator's own view (whole ms): direct p50 ${atRateDirect.load.p50} ms / p99 ${atRateDirect.load.p99} ms; Tessera p50 ${atRateTessera.load.p50} ms / p99 ${atRateTessera.load.p99} ms; nginx p50 ${atRateNginx.load.p50} ms / p99 ${atRateNginx.load.p99} ms`,
        ],
      },
    ];
  } finally {
    await nginx?.close();
    for (const proxy of floorProxies) proxy.kill('SIGTERM');
    await node?.tessera.close();
    upstream.child.kill('SIGTERM');
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A floor proxy against nginx in interleaved rounds: reported beside the judged ratio, not judged. */
function floorRow(
  scenario: string,
  max: Awaited<ReturnType<typeof compareInterleaved>>,
  note: string,
  options: BenchOptions,
): ScenarioRow {
  return {
    scenario,
    measured: asMeasurement('bare proxy', max.measured),
    baseline: asMeasurement('nginx', max.baseline),
    checks: [
      { label: `every request answered 2xx (${statusMix(max.measured)})`, ok: refused(max.measured) === 0 },
    ],
    notes: [
      note,
      `rounds nginx, proxy, proxy, nginx of ${Math.round(options.seconds / 2)} s each after ${options.warmupSeconds} s warm-up per side`,
    ],
  };
}

/** The check that a latency phase measured answers, not refusals: generator and probe both all 2xx. */
function allAnswered2xx(side: string, phase: { load: LoadResult; probe: ProbeResult }): Check {
  const probed = { ...phase.probe, timeouts: 0 };
  return {
    label: `every ${side} request at this rate answered 2xx (generator ${statusMix(phase.load)}; probe ${statusMix(probed)})`,
    ok: refused(phase.load) === 0 && refused(probed) === 0,
  };
}

function onServerCore(command: string, args: string[]): { command: string; args: string[] } {
  const wrapped = onGeneratorCore(command, args);
  return wrapped.command === 'taskset'
    ? { command: 'taskset', args: ['-c', '0', command, ...args] }
    : wrapped;
}

/** Replaces (or appends) the `## Gateway` section of bench/RESULTS.md; the rest is `npm run bench`'s. */
function writeResults(rows: ScenarioRow[], seconds: number): void {
  writeResultsSection(
    'gateway',
    `## Gateway (\`npm run bench:gateway\`)

Produced by \`npm run bench:gateway\` (\`bench/gateway.ts\`, ${seconds} s phases) on ${new Date().toISOString()}; load
average after the run ${loadavg()
      .map((v) => v.toFixed(2))
      .join(', ')}. ${coreLayout()}. Same upstream (node:http)
for every side; Tessera on PostgreSQL (local server, loopback).

${resultsTable(rows)}

${resultsNotes(rows)}`,
  );
}

if (isMain(import.meta.url)) {
  pinServerProcess();
  const options = benchOptions();
  const rows = await benchGateway(options);
  console.log(`\n${resultsTable(rows)}\n\n${resultsNotes(rows)}`);
  writeResults(rows, options.seconds);
}
