// bench/audit (a) and (d): one partner's signed `POST /v1/bookings` (audit event ingested in the write's
// own transaction) against pgbench running the same business transaction with no audit insert at all; and,
// for what the insert alone costs, pgbench with it. Rounds: no audit, with audit, API, API, with audit, no
// audit. Then, for every event the API writes ingested, how long the cluster's sequencer took to place it
// and how long until a signed tree head covered it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BookingRounds, preparePgbenchQuotes, sumPgbench } from './bookings.ts';
import { aggregate, asMeasurement, refused, statusMix } from './compare.ts';
import type { LoadResult } from './load-plan.ts';
import { seedKey, seedPartner, startNode } from './node.ts';
import type { BenchOptions } from './options.ts';
import type { PgbenchResult } from './pgbench.ts';
import { createBenchDatabase } from './postgres.ts';
import type { ScenarioRow } from './report.ts';
import { type LagFigures, lagsOnceIncluded } from './sequencer-lag.ts';
import { progress } from './standalone.ts';

const CONNECTIONS = 16;
const PATH = '/v1/bookings';
const WITH_AUDIT = fileURLToPath(new URL('../writes-booking.pgbench.sql', import.meta.url));
const NO_AUDIT = fileURLToPath(new URL('../writes-booking-no-audit.pgbench.sql', import.meta.url));
/** After the last round, how long every event has (beyond the seal interval) to reach a signed head. */
const INCLUSION_GRACE_MS = 5_000;

/** The script's statements with its audit step (`-- 6.` up to COMMIT) cut out. */
function businessStatements(sql: string): string {
  const body = sql.slice(sql.indexOf('BEGIN;'));
  const audit = body.indexOf('-- 6.');
  return audit < 0 ? body : body.slice(0, audit) + body.slice(body.indexOf('COMMIT;', audit));
}

function scriptsDifferOnlyByAudit(): boolean {
  const audited = readFileSync(WITH_AUDIT, 'utf8');
  const plain = readFileSync(NO_AUDIT, 'utf8');
  return (
    businessStatements(audited) === businessStatements(plain) &&
    !businessStatements(plain).includes('audit_events') &&
    audited.includes('INSERT INTO audit_events')
  );
}

interface Rounds {
  warm: LoadResult;
  api: LoadResult[];
  /** pgbench without the audit insert, and with it. */
  plain: PgbenchResult[];
  audited: PgbenchResult[];
  half: number;
}

/** Warm-up, then without audit, with audit, API, API, with audit, without audit. */
async function runRounds(rounds: BookingRounds, url: string, options: BenchOptions): Promise<Rounds> {
  progress('audit (a): warm-up (API, pgbench without audit, pgbench with it)');
  const warm = await rounds.api(url, options.warmupSeconds);
  await rounds.pgbench(NO_AUDIT, options.warmupSeconds);
  await rounds.pgbench(WITH_AUDIT, options.warmupSeconds);
  progress('audit (a): signed POST /v1/bookings vs pgbench without audit (A B B A), pgbench with it');
  const half = Math.max(1, Math.round(options.seconds / 2));
  const plain = [await rounds.pgbench(NO_AUDIT, half)];
  const audited = [await rounds.pgbench(WITH_AUDIT, half)];
  const api = [await rounds.api(url, half), await rounds.api(url, half)];
  audited.push(await rounds.pgbench(WITH_AUDIT, half));
  plain.push(await rounds.pgbench(NO_AUDIT, half));
  return { warm, api, plain, audited, half };
}

export async function signedWritesAndLag(
  options: BenchOptions,
  sealIntervalMs: number,
): Promise<{ writes: ScenarioRow[]; lags: ScenarioRow[] }> {
  const database = await createBenchDatabase();
  try {
    const partner = await seedPartner(database.db, 'Bench Travel');
    const key = await seedKey(database.db, partner);
    await preparePgbenchQuotes(database.db);
    const node = await startNode(database.db, undefined, {
      TESSERA_AUDIT_SEAL_INTERVAL_MS: String(sealIntervalMs),
    });
    const chainId = `${partner.id}/${key.verified.environment}`;
    try {
      const rounds = new BookingRounds(database.db, database.url, key, CONNECTIONS);
      const run = await runRounds(rounds, node.url, options);
      progress('audit (d): waiting for every event to reach a signed tree head');
      const lags = await lagsOnceIncluded(database.db, chainId, PATH, sealIntervalMs + INCLUSION_GRACE_MS);
      const [booked] = await database.db.query<{ api: string; audit: string }>(
        `SELECT count(*) FILTER (WHERE quote_id LIKE 'quo_a%')::text AS api,
                (SELECT count(*) FROM audit_events WHERE chain_id = $1 AND path = $2
                   AND user_agent IS DISTINCT FROM 'pgbench')::text AS audit
           FROM bookings`,
        [chainId, PATH],
      );
      const api = aggregate(run.api);
      return {
        writes: [
          writesRow(run, { api: Number(booked?.api), audit: Number(booked?.audit) }, options, sealIntervalMs),
          insertCostRow(run),
        ],
        lags: lagRows(lags, api.okPerSecond, sealIntervalMs),
      };
    } finally {
      await node.close();
    }
  } finally {
    await database.drop();
  }
}

function writesRow(
  run: Rounds,
  booked: { api: number; audit: number },
  options: BenchOptions,
  sealIntervalMs: number,
): ScenarioRow {
  const measured = aggregate(run.api);
  const sql = sumPgbench(run.plain);
  const created = (measured.statuses['201'] ?? 0) + (run.warm.statuses['201'] ?? 0);
  const pgbenchRounds = [...run.plain, ...run.audited];
  return {
    scenario: `audit (a): signed POST /v1/bookings, one partner, ${CONNECTIONS} connections`,
    measured: asMeasurement('API (audit event in the write)', measured),
    baseline: {
      label: 'pgbench, same transaction, no audit insert',
      throughput: sql.perSecond,
      unit: 'tx/s',
      p50: sql.p50,
      p99: sql.p99,
    },
    target: 0.8,
    checks: [
      { label: `every booking answered 201 (${statusMix(measured)})`, ok: refused(measured) === 0 },
      {
        // Requests still in flight when a round's clock stops are completed by the node but not counted.
        label:
          `API bookings in the database (${booked.api}) ≥ 201 answers counted (${created}), each with its ` +
          `audit event (${booked.audit})`,
        ok: booked.api >= created && booked.audit === booked.api,
      },
      { label: 'no round ran out of pre-signed requests', ok: run.api.every((r) => !r.exhausted) },
      {
        label: `every pgbench round completed transactions (${pgbenchRounds.map((r) => r.transactions).join(', ')})`,
        ok: pgbenchRounds.every((r) => r.transactions > 0),
      },
      {
        label:
          'bench/writes-booking-no-audit.pgbench.sql is bench/writes-booking.pgbench.sql without its audit ' +
          'INSERT, statement for statement',
        ok: scriptsDifferOnlyByAudit(),
      },
    ],
    notes: [
      `PostgreSQL (fresh database); ${CONNECTIONS} connections on every side (node pool: 20); rounds pgbench ` +
        `without audit, pgbench with it, API, API, with, without, of ${run.half} s each after ` +
        `${options.warmupSeconds} s warm-up per side; p50 weighted mean, p99 worst round`,
      `requests pre-signed in the benchmark process before each round; pgbench: ${sql.transactions} ` +
        `transactions, -M extended, -c ${CONNECTIONS} -j 1, bench/writes-booking-no-audit.pgbench.sql; its ` +
        'rate excludes its initial connection time',
      'the API ingests each event unsequenced in the booking transaction (no chain lock); the node also ' +
        `runs the cluster's sequencer and signs tree heads every ${sealIntervalMs} ms, on the same core`,
    ],
  };
}

function insertCostRow(run: Rounds): ScenarioRow {
  const plain = sumPgbench(run.plain);
  const audited = sumPgbench(run.audited);
  return {
    scenario: 'audit (a): the audit INSERT alone, in pgbench (same transaction with ÷ without it)',
    measured: {
      label: 'pgbench with the audit insert',
      throughput: audited.perSecond,
      unit: 'tx/s',
      p50: audited.p50,
      p99: audited.p99,
    },
    baseline: {
      label: 'pgbench without it',
      throughput: plain.perSecond,
      unit: 'tx/s',
      p50: plain.p50,
      p99: plain.p99,
    },
    checks: [],
    notes: [
      `bench/writes-booking.pgbench.sql (${audited.transactions} transactions; its events are sequenced by ` +
        'the node like any other) against bench/writes-booking-no-audit.pgbench.sql, in the rounds above',
    ],
  };
}

function lagRows(lags: LagFigures, ingestRate: number, sealIntervalMs: number): ScenarioRow[] {
  const scope =
    `${lags.events} events: every booking event of (a), warm-up included, ingested at ` +
    `${Math.round(ingestRate)}/s during the measured API rounds`;
  return [
    {
      scenario: 'audit (d): sequencer lag under the load of (a): durable → placed',
      measured: {
        label: 'recorded_at − (occurred_at + latency_ms)',
        throughput: ingestRate,
        unit: 'events/s',
        p50: lags.placedP50,
        p99: lags.placedP99,
      },
      checks: [
        { label: `every event placed (${lags.placed} of ${lags.events})`, ok: lags.placed === lags.events },
      ],
      notes: [
        'lag = recorded_at − (occurred_at + latency_ms): from the moment the event was durable (its ' +
          "request's latency is taken just before the event's INSERT and COMMIT) to its placement in its " +
          `chain by the sequencer; max ${lags.placedMax} ms`,
        scope,
      ],
    },
    {
      scenario: 'audit (d): inclusion lag under the load of (a): durable → in a signed tree head',
      measured: {
        label: 'first signed head covering it − (occurred_at + latency_ms)',
        throughput: ingestRate,
        unit: 'events/s',
        p50: lags.includedP50,
        p99: lags.includedP99,
      },
      bounds: { maxP99: sealIntervalMs + 2_000 },
      checks: [
        {
          label:
            `every event in a signed tree head within the seal interval + ${INCLUSION_GRACE_MS / 1000} s of the ` +
            `last round (${lags.included} of ${lags.events})`,
          ok: lags.included === lags.events,
        },
      ],
      notes: [
        "inclusion lag = signed_at of the first tree head of the event's chain with tree_size ≥ its chain_seq " +
          `− (occurred_at + latency_ms); max ${lags.includedMax} ms`,
        `the node runs with TESSERA_AUDIT_SEAL_INTERVAL_MS=${sealIntervalMs}; target: p99 ≤ that + 2 s`,
        scope,
      ],
    },
  ];
}
