// bench/auth — what API-key authentication costs, on PostgreSQL (a fresh database, dropped afterwards).
//
//   node --import tsx bench/auth.ts [--seconds=8]        (or all benchmarks: npm run bench)
//
// 1. Cold start: 32 connections cycling over 4 keys of one partner that the node has never verified. Counts
//    the Argon2id verifications (tessera.argon2.verifications) over the whole run: the contract is one per
//    key per node.
// 2. Steady state: authenticated `GET /v1/me` against the same route on a node whose `authenticate` stage
//    is replaced (benchmarkOverrides, code only) by one that sets a fixed VerifiedKey. Everything else is
//    the same pipeline on both sides: IP allowlist, rate limit, scope check, and the durable audit event of
//    every request (group commit). Interleaved A B B A. Target: ratio ≥ 0.8.
// 3. Valid requests while a second client floods wrong secrets for the same prefix: valid req/s with and
//    without the flood, the flood's status mix (401 auth.api_key.invalid vs 429 auth.throttled), and whether
//    any valid request was refused. Both clients connect from 127.0.0.1.
import type { FastifyRequest } from 'fastify';
import { newSecret } from '../src/keys/format.ts';
import type { Stage } from '../src/pipeline/stage.ts';
import { answered, asMeasurement, compareInterleaved, refused, statusMix } from './support/compare.ts';
import { runLoad } from './support/load.ts';
import type { PlannedRequest } from './support/load-plan.ts';
import { type BenchKey, type BenchNode, seedKey, seedPartner, startNode } from './support/node.ts';
import type { BenchOptions } from './support/options.ts';
import { createBenchDatabase } from './support/postgres.ts';
import type { ScenarioRow } from './support/report.ts';
import { isMain, progress, runStandalone } from './support/standalone.ts';

const KEYS = 4;
const NODES = 1;
const CONNECTIONS = 32;
const COLD_START_SECONDS = 3;
const FLOOD_CONNECTIONS = 16;
const BAD_SECRETS = 16;

function getMe(key: string): PlannedRequest {
  return { method: 'GET', path: '/v1/me', headers: { authorization: `Bearer ${key}` } };
}

/** The baseline's authenticate stage: no key parsing, no cache, no Argon2id; the key is simply given. */
function authenticateAs(key: BenchKey): Stage {
  return function authenticateAsFixedKey(request: FastifyRequest) {
    request.tessera.key = key.verified;
    request.tessera.setPresentedSecret(key.secret);
  };
}

/** Waits until every key answers 200 on its own: the node has verified (and cached) each of them. */
async function untilVerified(node: BenchNode, keys: readonly BenchKey[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const key of keys) {
    for (;;) {
      const response = await fetch(`${node.url}/v1/me`, { headers: { authorization: `Bearer ${key.key}` } });
      await response.arrayBuffer();
      if (response.status === 200) break;
      if (Date.now() > deadline)
        throw new Error(`key ${key.verified.prefix} still answers ${response.status}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export async function benchAuth(options: BenchOptions): Promise<ScenarioRow[]> {
  const database = await createBenchDatabase();
  const nodes: BenchNode[] = [];
  try {
    const partner = await seedPartner(database.db, 'Bench Travel');
    const keys: BenchKey[] = [];
    for (let i = 0; i < KEYS; i++) keys.push(await seedKey(database.db, partner));
    const [first] = keys;
    if (!first) throw new Error('no key seeded');
    const reads = keys.map((key) => getMe(key.key));

    const node = await startNode(database.db);
    nodes.push(node);
    const baselineNode = await startNode(database.db, { stages: { authenticate: authenticateAs(first) } });
    nodes.push(baselineNode);
    const plan = { connections: CONNECTIONS, requests: reads, order: 'cycle' as const };

    progress('auth: cold start (no key verified yet)');
    const coldStart = await runLoad({ ...plan, url: node.url, seconds: COLD_START_SECONDS });
    await untilVerified(node, keys);
    const coldVerifications = node.tessera.argon2.verifications;

    progress('auth: authenticated reads vs authenticate = fixed key (A B B A)');
    const steady = await compareInterleaved(
      { ...plan, url: node.url },
      { ...plan, url: baselineNode.url },
      options.seconds,
      options.warmupSeconds,
    );
    const steadyVerifications = node.tessera.argon2.verifications - coldVerifications;

    progress('auth: valid reads without, then during, a wrong-secret flood');
    const valid = {
      url: node.url,
      connections: FLOOD_CONNECTIONS,
      requests: [getMe(first.key)],
      order: 'cycle' as const,
    };
    const quiet = await runLoad({ ...valid, seconds: options.seconds });
    const badKeys = Array.from({ length: BAD_SECRETS }, () =>
      getMe(`sk_test_${first.verified.prefix}_${newSecret()}`),
    );
    const beforeFlood = node.tessera.argon2.verifications;
    const [underFlood, flood] = await Promise.all([
      runLoad({ ...valid, seconds: options.seconds }),
      runLoad({ ...valid, requests: badKeys, seconds: options.seconds }),
    ]);
    const floodVerifications = node.tessera.argon2.verifications - beforeFlood;
    const totalVerifications = node.tessera.argon2.verifications;

    return [
      {
        scenario: 'auth: cold start, 4 unverified keys, 32 connections',
        measured: asMeasurement('cold start', coldStart),
        checks: [
          {
            label:
              `Argon2id verifications over the whole run: ${totalVerifications} for ${KEYS} keys × ${NODES} node ` +
              `(contract: ${KEYS * NODES}, one per key per node); ${coldVerifications} by the end of the cold start`,
            ok: totalVerifications === KEYS * NODES,
          },
        ],
        notes: [
          `${COLD_START_SECONDS} s of load on a fresh node; status mix: ${statusMix(coldStart)}`,
          'then each key was sent once more, alone, until all four answered 200, before anything else was measured',
          ...(coldVerifications > KEYS * NODES
            ? [
                'concurrent first requests for one key each ran their own Argon2id: KeyVerifier.verify ' +
                  '(src/keys/verifier.ts) does not share an in-flight verification between requests for the same ' +
                  'prefix and secret, and once the Argon2 queue is full (concurrency × 16) valid keys get 429',
              ]
            : []),
        ],
      },
      {
        scenario: 'auth: GET /v1/me, Argon2id key + cache (steady state)',
        measured: asMeasurement('authenticated', steady.measured),
        baseline: asMeasurement('authenticate = fixed key', steady.baseline),
        target: 0.8,
        checks: [
          {
            label: `every authenticated request answered 2xx (${statusMix(steady.measured)})`,
            ok: refused(steady.measured) === 0,
          },
          {
            label: `no Argon2id verification once every key was cached (${steadyVerifications})`,
            ok: steadyVerifications === 0,
          },
        ],
        notes: [
          `${CONNECTIONS} connections cycling over ${KEYS} keys; rounds baseline, auth, auth, baseline of ` +
            `${Math.round(options.seconds / 2)} s each after ${options.warmupSeconds} s warm-up per side; p50 weighted mean, p99 worst round`,
          'a durable audit event for every request on both sides (same pipeline except the authenticate stage)',
          `baseline status mix: ${statusMix(steady.baseline)}`,
        ],
      },
      {
        scenario: 'auth: valid reads during a wrong-secret flood (same prefix)',
        measured: asMeasurement('valid, during flood', underFlood),
        baseline: asMeasurement('valid, no flood', quiet),
        checks: [
          {
            label: `no valid request refused during the flood (${statusMix(underFlood)})`,
            ok: refused(underFlood) === 0,
          },
          {
            label: `no Argon2id verification caused by the flood (${floodVerifications})`,
            ok: floodVerifications === 0,
          },
        ],
        notes: [
          `flood: ${FLOOD_CONNECTIONS} connections cycling over ${BAD_SECRETS} wrong secrets for the valid key's prefix, ` +
            `${Math.round(answered(flood) / flood.seconds)} req/s answered; status mix: ${statusMix(flood)} ` +
            '(401 auth.api_key.invalid, 429 auth.throttled)',
          `valid client: ${FLOOD_CONNECTIONS} connections on that key, ${options.seconds} s each phase; both clients ` +
            'from 127.0.0.1 on the generator core. Flood requests are answered and audited on the same server core, ' +
            'so even with no valid request refused the ratio would show the core being shared',
          `valid without flood: ${statusMix(quiet)}`,
          ...(refused(underFlood) > 0
            ? [
                "valid requests were refused once the key's cache entry was older than TESSERA_KEY_CACHE_TTL_MS " +
                  '(5 s): KeyVerifier.verify returns auth.throttled for a stale entry whenever the prefix (or the ' +
                  'client IP) is throttled, before it re-checks the key, so a flood on a prefix locks its owner out ' +
                  'for the rest of the failure window',
              ]
            : []),
        ],
      },
    ];
  } finally {
    for (const node of nodes) await node.close();
    await database.drop();
  }
}

if (isMain(import.meta.url)) await runStandalone(benchAuth);
