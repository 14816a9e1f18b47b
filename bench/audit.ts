// bench/audit — what the durable, hash-chained audit log costs, and how fast it exports, on PostgreSQL
// (fresh databases, dropped afterwards).
//
//   node --import tsx bench/audit.ts [--seconds=8] [--events=1000000]     (or all benchmarks: npm run bench)
//
// 1. Authenticated `GET /v1/me` with the audit event of every request made durable before the response is
//    released (group commit), against the same route on a node built with benchmarkOverrides.audit = 'off'
//    (code only). Interleaved A B B A. Target: ratio ≥ 0.7.
// 2. Export: one partner's log of one million events (two chains, live and test, correctly hash-chained,
//    appended with appendAuditEvents in batches) streamed to a JSONL file by the audit export function in
//    a process of its own, reporting events per second and that process's peak RSS (sampled every 50 ms).
//    The file is then verified offline (every hash and link) with the CLI's AuditVerifier.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendAuditEvents } from '../src/audit/append.ts';
import type { AuditEventInput } from '../src/audit/event.ts';
import type { Database, Environment } from '../src/db/database.ts';
import { newId } from '../src/ids.ts';
import { runInChild } from './support/child.ts';
import { asMeasurement, compareInterleaved, refused, statusMix } from './support/compare.ts';
import type { ExportJob, ExportOutcome } from './support/export-process.ts';
import { type BenchNode, seedKey, seedPartner, startNode } from './support/node.ts';
import type { BenchOptions } from './support/options.ts';
import { createBenchDatabase } from './support/postgres.ts';
import type { ScenarioRow } from './support/report.ts';
import { isMain, progress, runStandalone } from './support/standalone.ts';

const CONNECTIONS = 32;
const APPEND_BATCH = 5_000;
const EXPORTER = fileURLToPath(new URL('./support/export-process.ts', import.meta.url));

function eventCount(argv: readonly string[] = process.argv.slice(2)): number {
  const flag = argv.find((arg) => arg.startsWith('--events='));
  return flag ? Number(flag.slice('--events='.length)) : 1_000_000;
}

async function readsWithAndWithoutAudit(options: BenchOptions): Promise<ScenarioRow> {
  const database = await createBenchDatabase();
  const nodes: BenchNode[] = [];
  try {
    const partner = await seedPartner(database.db, 'Bench Travel');
    const key = await seedKey(database.db, partner);
    const audited = await startNode(database.db);
    nodes.push(audited);
    const unaudited = await startNode(database.db, { audit: 'off' });
    nodes.push(unaudited);
    const requests = [
      { method: 'GET' as const, path: '/v1/me', headers: { authorization: `Bearer ${key.key}` } },
    ];
    const plan = { connections: CONNECTIONS, requests, order: 'cycle' as const };
    progress('audit: reads with durable audit vs audit off (A B B A)');
    const result = await compareInterleaved(
      { ...plan, url: audited.url },
      { ...plan, url: unaudited.url },
      options.seconds,
      options.warmupSeconds,
    );
    const [events] = await database.db.query<{ count: string }>(
      `SELECT count(*)::text AS count FROM audit_events WHERE action = 'api.request'`,
    );
    const answered = result.measured.statuses['200'] ?? 0;
    return {
      scenario: 'audit: GET /v1/me with durable audit',
      measured: asMeasurement('audit on (group commit)', result.measured),
      baseline: asMeasurement("audit = 'off'", result.baseline),
      target: 0.7,
      checks: [
        {
          label: `every request answered 2xx (${statusMix(result.measured)})`,
          ok: refused(result.measured) === 0,
        },
        {
          label: `audit events in the database (${events?.count}) ≥ 200s counted on the audited side (${answered})`,
          ok: Number(events?.count) >= answered,
        },
      ],
      notes: [
        `PostgreSQL (fresh database); ${CONNECTIONS} connections, one key (verified once, then cached); rounds ` +
          `baseline, audited, audited, baseline of ${Math.round(options.seconds / 2)} s each after ` +
          `${options.warmupSeconds} s warm-up per side; p50 weighted mean, p99 worst round`,
        `baseline status mix: ${statusMix(result.baseline)}`,
      ],
    };
  } finally {
    for (const node of nodes) await node.close();
    await database.drop();
  }
}

function requestEvent(
  partnerId: string,
  environment: Environment,
  prefix: string,
  i: number,
): AuditEventInput {
  return {
    occurredAt: new Date(),
    requestId: newId('request'),
    partnerId,
    environment,
    actorType: 'key',
    actorId: prefix,
    action: 'api.request',
    method: i % 10 === 0 ? 'POST' : 'GET',
    path: i % 10 === 0 ? '/v1/bookings' : '/v1/me',
    status: i % 10 === 0 ? 201 : 200,
    errorCode: null,
    clientIp: '203.0.113.7',
    userAgent: 'tessera-sdk/0.1.0 node/20',
    latencyMs: 1 + (i % 37) / 10,
  };
}

/** Appends `total` events, half to each of the partner's two chains, the two chains on two connections. */
async function fillAuditLog(db: Database, partnerId: string, prefix: string, total: number): Promise<void> {
  const perChain = Math.ceil(total / 2);
  const fillChain = async (environment: Environment) => {
    for (let done = 0; done < perChain; done += APPEND_BATCH) {
      const size = Math.min(APPEND_BATCH, perChain - done);
      const events = Array.from({ length: size }, (_, i) =>
        requestEvent(partnerId, environment, prefix, done + i),
      );
      await db.transaction(async (tx) => {
        // Loading the benchmark's data set only: the log under test is read, not written, below.
        await tx.query('SET LOCAL synchronous_commit = off');
        await appendAuditEvents(tx, events);
      });
    }
  };
  await Promise.all([fillChain('live'), fillChain('test')]);
}

async function exportMillion(total: number): Promise<ScenarioRow> {
  const database = await createBenchDatabase();
  const directory = await mkdtemp(join(tmpdir(), 'tessera-audit-export-'));
  try {
    const partner = await seedPartner(database.db, 'Bench Travel');
    const key = await seedKey(database.db, partner);
    const from = new Date(Date.now() - 3_600_000);
    progress(`audit: appending ${total.toLocaleString('en-US')} chained events`);
    const fillStarted = performance.now();
    await fillAuditLog(database.db, partner.id, key.verified.prefix, total);
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    await database.db.exec('VACUUM ANALYZE audit_events');

    progress('audit: exporting (separate process)');
    const outcome = await runInChild<ExportJob, ExportOutcome>(EXPORTER, {
      databaseUrl: database.url,
      partnerId: partner.id,
      file: join(directory, 'export.jsonl'),
      from: from.toISOString(),
      to: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
    // The log also holds the partner.created and key.created events of the seeding.
    const expected = total + 2;
    return {
      scenario: `audit: export ${total.toLocaleString('en-US')} events (JSONL)`,
      measured: { label: 'export', throughput: outcome.events / outcome.seconds, unit: 'events/s' },
      checks: [
        {
          label: `events exported: ${outcome.events} (expected ${expected})`,
          ok: outcome.events === expected,
        },
        {
          label:
            `export verified offline: ${outcome.verified.events} events, ${outcome.verified.chains} chains, ` +
            `${outcome.verified.problems} problems (${outcome.verified.seconds.toFixed(1)} s)`,
          ok: outcome.verified.ok && outcome.verified.events === expected,
        },
      ],
      notes: [
        `peak RSS of the exporting process: ${mib(outcome.peakRssBytes)} (${mib(outcome.startRssBytes)} before the ` +
          `export started; sampled every 50 ms)`,
        `${mib(outcome.bytes)} written in ${outcome.seconds.toFixed(1)} s to a file; export reads keyset-paginated ` +
          "batches of 1,000 under the partner's RLS scope, one short transaction per batch",
        `data set: appended with appendAuditEvents in batches of ${APPEND_BATCH.toLocaleString('en-US')}, two chains ` +
          `on two connections, in ${fillSeconds.toFixed(0)} s (not part of the figure)`,
      ],
    };
  } finally {
    await rm(directory, { recursive: true, force: true });
    await database.drop();
  }
}

export async function benchAudit(options: BenchOptions): Promise<ScenarioRow[]> {
  const reads = await readsWithAndWithoutAudit(options);
  return [reads, await exportMillion(eventCount())];
}

if (isMain(import.meta.url)) await runStandalone(benchAudit);
