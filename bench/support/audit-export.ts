// bench/audit (c): one partner's log of a million real, sequenced events (two chains, live and test):
// ingested with appendAuditEvents in batches as the nodes do, then placed by sequenceAllPending in batches
// of 10,000 (the sequencer's own code path, timed: that is its throughput), then streamed to a JSONL file
// by the export function in a process of its own (events per second, and that process's RSS, sampled every
// 50 ms), and the file verified offline, every hash and link, with the CLI's AuditVerifier. Beside the two
// judged figures, their floors in the same process: the export's own batches read and dropped (no event
// built, no line formatted), and every record of the file given to JSON.parse alone.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendAuditEvents } from '../../src/audit/append.ts';
import type { AuditEventInput } from '../../src/audit/event.ts';
import { sequenceAllPending } from '../../src/audit/sequence.ts';
import type { Database, Environment } from '../../src/db/database.ts';
import { newId } from '../../src/ids.ts';
import { runInChild } from './child.ts';
import type { ExportJob, ExportOutcome } from './export-process.ts';
import { seedKey, seedPartner } from './node.ts';
import { createBenchDatabase } from './postgres.ts';
import type { ScenarioRow } from './report.ts';
import { progress } from './standalone.ts';

const APPEND_BATCH = 5_000;
const SEQUENCE_BATCH = 10_000;
const EXPORTER = fileURLToPath(new URL('./export-process.ts', import.meta.url));
/** How much higher the second half of the export may peak than the first and still count as flat. */
const FLAT_SLACK_BYTES = 64 * 2 ** 20;

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

/** Ingests about `total` unsequenced events, half to each of the partner's two chains, on two connections. */
async function ingest(db: Database, partnerId: string, prefix: string, total: number): Promise<number> {
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
  return 2 * perChain;
}

const seconds = (since: number) => (performance.now() - since) / 1000;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const count = (n: number) => Math.round(n).toLocaleString('en-US');

export async function exportAndVerify(total: number): Promise<ScenarioRow[]> {
  const database = await createBenchDatabase();
  const directory = await mkdtemp(join(tmpdir(), 'tessera-audit-export-'));
  try {
    const partner = await seedPartner(database.db, 'Bench Travel');
    const key = await seedKey(database.db, partner);
    const from = new Date(Date.now() - 3_600_000);
    progress(`audit (c): ingesting ${count(total)} events`);
    const ingestStarted = performance.now();
    const ingested = await ingest(database.db, partner.id, key.verified.prefix, total);
    const ingestSeconds = seconds(ingestStarted);
    progress(`audit (c): sequencing them (sequenceAllPending, batches of ${count(SEQUENCE_BATCH)})`);
    const sequenceStarted = performance.now();
    const placed = await sequenceAllPending(database.db, SEQUENCE_BATCH);
    const sequenceSeconds = seconds(sequenceStarted);
    await database.db.exec('VACUUM ANALYZE audit_events');

    progress('audit (c): exporting (separate process), then verifying the file');
    const outcome = await runInChild<ExportJob, ExportOutcome>(EXPORTER, {
      databaseUrl: database.url,
      partnerId: partner.id,
      file: join(directory, 'export.jsonl'),
      from: from.toISOString(),
      to: new Date(Date.now() + 3_600_000).toISOString(),
    });
    // The log also holds the partner.created and key.created events of the seeding.
    const expected = ingested + 2;
    const verified = outcome.verified;
    const flat = outcome.secondHalfPeakRssBytes <= outcome.firstHalfPeakRssBytes + FLAT_SLACK_BYTES;
    return [
      {
        scenario: `audit (c): sequence ${count(total)} events (sequenceAllPending, batches of ${count(SEQUENCE_BATCH)})`,
        measured: { label: 'sequencing', throughput: placed / sequenceSeconds, unit: 'events/s' },
        checks: [{ label: `events placed: ${placed} (expected ${expected})`, ok: placed === expected }],
        notes: [
          `${count(placed)} events placed in ${sequenceSeconds.toFixed(1)} s (positions, recorded_at, chain ` +
            'hashes, Merkle frontiers; one statement per batch), no other load',
          `ingested beforehand with appendAuditEvents in batches of ${count(APPEND_BATCH)}, two chains on two ` +
            `connections, in ${ingestSeconds.toFixed(1)} s (${count(ingested / ingestSeconds)} events/s; ` +
            'synchronous_commit off for the data set only)',
        ],
      },
      {
        scenario: `audit (c): export ${count(total)} events (JSONL)`,
        measured: { label: 'export', throughput: outcome.events / outcome.seconds, unit: 'events/s' },
        bounds: { minThroughput: 100_000 },
        checks: [
          {
            label: `events exported: ${outcome.events} (expected ${expected})`,
            ok: outcome.events === expected,
          },
          {
            label:
              `flat memory: peak RSS of the exporting process ${mib(outcome.peakRssBytes)} (${mib(outcome.startRssBytes)} ` +
              `before the export; first half of the export ${mib(outcome.firstHalfPeakRssBytes)}, second half ` +
              `${mib(outcome.secondHalfPeakRssBytes)}, allowed ${mib(FLAT_SLACK_BYTES)} more)`,
            ok: flat,
          },
        ],
        notes: [
          `${mib(outcome.bytes)} written in ${outcome.seconds.toFixed(1)} s to a file; export reads keyset-paginated ` +
            "batches of 1,000 under the partner's RLS scope, one short transaction per batch, the next batch read while one is written; RSS sampled every 50 ms",
        ],
      },
      floorRow(
        "audit (c) (floor): the same rows read with the export's own query and driver, nothing formatted",
        { label: 'read only', counted: 'rows read' },
        outcome.readOnly,
        expected,
        `the export's batches (eventRowBatches: same query, same node-postgres driver, one batch read ahead) ` +
          `counted and dropped, in the exporting process after the export: ${outcome.readOnly.seconds.toFixed(1)} s, ` +
          `${outcome.readOnly.cpuSeconds.toFixed(1)} s of that process's CPU; the least the export spends before it ` +
          'builds an event or formats a line; not judged',
      ),
      {
        scenario: `audit (c): verify the export offline (${count(expected)} events)`,
        measured: { label: 'verify', throughput: verified.events / verified.seconds, unit: 'events/s' },
        bounds: { minThroughput: 200_000 },
        checks: [
          {
            label:
              `export verified: ${verified.events} events, ${verified.chains} chains, ${verified.problems} problems ` +
              `(${verified.seconds.toFixed(1)} s)`,
            ok: verified.ok && verified.events === expected,
          },
        ],
        notes: [
          'the JSONL file streamed in 1 MiB chunks through the ExportReader that `tessera audit verify` uses (each record parsed and checked against the export columns), each event given to the AuditVerifier that ' +
            '`tessera audit verify` uses: every hash recomputed, every link and position checked, chains start ' +
            'at genesis; in the exporting process, after the export',
        ],
      },
      floorRow(
        'audit (c) (floor): JSON.parse of every record of the same file, nothing else',
        { label: 'JSON.parse', counted: 'records parsed' },
        outcome.parsedOnly,
        expected,
        'the same file streamed in 1 MiB chunks, split at LF, each line given to JSON.parse and nothing else: ' +
          'the least any verifier that parses the export with JSON.parse spends on one thread, ' +
          'before it checks, hashes or links anything; not judged',
      ),
    ];
  } finally {
    await rm(directory, { recursive: true, force: true });
    await database.drop();
  }
}

/** A floor beside a judged figure: its rate, and the check that it went through every event. */
function floorRow(
  scenario: string,
  names: { label: string; counted: string },
  floor: { events: number; seconds: number },
  expected: number,
  note: string,
): ScenarioRow {
  return {
    scenario,
    measured: { label: names.label, throughput: floor.events / floor.seconds, unit: 'events/s' },
    checks: [
      { label: `${names.counted}: ${floor.events} (expected ${expected})`, ok: floor.events === expected },
    ],
    notes: [note],
  };
}
