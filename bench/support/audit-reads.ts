// bench/audit (b): authenticated `GET /v1/me` with its audit event made durable before the response (group
// commit) against the same route on a node built with benchmarkOverrides.audit = 'off' (code only), on one
// database. At 64 connections (autocannon) the ratio is judged; at 8 connections a probe with a microsecond
// timer (8 sequential connections) gives both throughputs and the p50 that durability adds, next to the
// fsync floor pg_test_fsync measures in the same run.
import { fileURLToPath } from 'node:url';
import { runInChild } from './child.ts';
import { asMeasurement, compareInterleaved, refused, statusMix } from './compare.ts';
import { onGeneratorCore } from './cpus.ts';
import { describeFsync, measureFsyncFloor } from './fsync.ts';
import type { ProbePlan, ProbeResult } from './latency-probe.ts';
import { type BenchNode, seedKey, seedPartner, startNode } from './node.ts';
import type { BenchOptions } from './options.ts';
import { createBenchDatabase } from './postgres.ts';
import type { Measurement, ScenarioRow } from './report.ts';
import { progress } from './standalone.ts';

const WIDE = 64;
const NARROW = 8;
const PATH = '/v1/me';
const PROBE = fileURLToPath(new URL('./latency-probe.ts', import.meta.url));
const FSYNC_SECONDS_PER_TEST = 2;

function probe(plan: ProbePlan): Promise<ProbeResult> {
  return runInChild<ProbePlan, ProbeResult>(PROBE, plan, onGeneratorCore);
}

/** Probe rounds as one side: requests per second overall, p50 weighted by samples, p99 the worst round. */
function probeSide(label: string, rounds: readonly ProbeResult[], seconds: number): Measurement {
  const samples = rounds.reduce((sum, r) => sum + r.samples, 0);
  const p50 = rounds.reduce((sum, r) => sum + r.p50 * r.samples, 0) / Math.max(1, samples);
  return {
    label,
    throughput: samples / seconds,
    unit: 'req/s',
    p50: Math.round(p50 * 1000) / 1000,
    p99: Math.max(0, ...rounds.map((r) => r.p99)),
  };
}

async function narrow(
  audited: BenchNode,
  unaudited: BenchNode,
  headers: Record<string, string>,
  options: BenchOptions,
): Promise<{ audited: Measurement; off: Measurement }> {
  const plan = (node: BenchNode, seconds: number): ProbePlan => ({
    url: node.url,
    path: PATH,
    headers,
    seconds,
    connections: NARROW,
  });
  await probe(plan(unaudited, options.warmupSeconds));
  await probe(plan(audited, options.warmupSeconds));
  const half = Math.max(1, Math.round(options.seconds / 2));
  const off = [await probe(plan(unaudited, half))];
  const on = [await probe(plan(audited, half)), await probe(plan(audited, half))];
  off.push(await probe(plan(unaudited, half)));
  return {
    audited: probeSide('audit on (group commit)', on, 2 * half),
    off: probeSide("audit = 'off'", off, 2 * half),
  };
}

export async function readsWithAndWithoutAudit(options: BenchOptions): Promise<ScenarioRow[]> {
  const database = await createBenchDatabase();
  const nodes: BenchNode[] = [];
  try {
    const partner = await seedPartner(database.db, 'Bench Travel');
    const key = await seedKey(database.db, partner);
    const audited = await startNode(database.db);
    nodes.push(audited);
    const unaudited = await startNode(database.db, { audit: 'off' });
    nodes.push(unaudited);
    const headers = { authorization: `Bearer ${key.key}` };
    const requests = [{ method: 'GET' as const, path: PATH, headers }];
    const plan = { connections: WIDE, requests, order: 'cycle' as const };
    progress(`audit (b): reads with durable audit vs audit off, ${WIDE} connections (A B B A)`);
    const wide = await compareInterleaved(
      { ...plan, url: audited.url },
      { ...plan, url: unaudited.url },
      options.seconds,
      options.warmupSeconds,
    );
    const [events] = await database.db.query<{ count: string }>(
      `SELECT count(*)::text AS count FROM audit_events WHERE action = 'api.request'`,
    );
    const [settings] = await database.db.query<{ method: string; directory: string }>(
      `SELECT current_setting('wal_sync_method') AS method, current_setting('data_directory') AS directory`,
    );
    progress('audit (b): pg_test_fsync');
    const floor = await measureFsyncFloor(FSYNC_SECONDS_PER_TEST, settings?.directory ?? '');
    progress(`audit (b): reads with durable audit vs audit off, ${NARROW} connections (probe, A B B A)`);
    const few = await narrow(audited, unaudited, headers, options);
    const answered = wide.measured.statuses['200'] ?? 0;
    const half = Math.max(1, Math.round(options.seconds / 2));
    const rounds =
      `rounds baseline, audited, audited, baseline of ${half} s each after ${options.warmupSeconds} s warm-up ` +
      'per side; p50 weighted mean, p99 worst round';
    const added = Math.round(((few.audited.p50 ?? 0) - (few.off.p50 ?? 0)) * 1000) / 1000;
    return [
      {
        scenario: `audit (b): GET /v1/me with durable audit, ${WIDE} connections`,
        measured: asMeasurement('audit on (group commit)', wide.measured),
        baseline: asMeasurement("audit = 'off'", wide.baseline),
        target: 0.8,
        checks: [
          {
            label: `every request answered 2xx (${statusMix(wide.measured)})`,
            ok: refused(wide.measured) === 0,
          },
          {
            label: `audit events in the database (${events?.count}) ≥ 200s counted on the audited side (${answered})`,
            ok: Number(events?.count) >= answered,
          },
        ],
        notes: [
          `PostgreSQL (fresh database); ${WIDE} connections (autocannon), one key (verified once, then cached); ${rounds}`,
          `baseline status mix: ${statusMix(wide.baseline)}`,
        ],
      },
      {
        scenario: `audit (b): GET /v1/me with durable audit, ${NARROW} connections (added p50 ${added} ms)`,
        measured: few.audited,
        baseline: few.off,
        checks: [],
        notes: [
          `p50 that durability adds: ${added} ms (${few.audited.p50} ms with audit, ${few.off.p50} ms without)`,
          describeFsync(floor, settings?.method ?? 'fdatasync'),
          `${NARROW} sequential keep-alive connections in one probe process on the generator core, each request ` +
            `timed with performance.now(); every request must answer 200 or the run stops; ${rounds}`,
        ],
      },
    ];
  } finally {
    for (const node of nodes) await node.close();
    await database.drop();
  }
}
