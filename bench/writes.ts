// bench/writes — signed `POST /v1/bookings` against the same database work done by pgbench, on PostgreSQL
// (a fresh database, dropped afterwards).
//
//   node --import tsx bench/writes.ts [--seconds=8]      (or all benchmarks: npm run bench)
//
// Every request books its own quote (a quote can be booked once), with its own Idempotency-Key, X-Timestamp
// and X-Signature. Quotes are inserted beforehand with SQL; requests are signed beforehand in this process
// (exactly like test/support/client.ts, i.e. like the seed's Node sample), so signing is not on the load
// generator's critical path: the generator sends each pre-signed request once.
// pgbench runs bench/writes-booking.pgbench.sql, the same statements a booking runs (scope, idempotency
// claim and record, accepted signature, quote lookup, booking row, unsequenced audit event) in one
// transaction, at the same concurrency. The two sides are interleaved A B B A. Target: ratio ≥ 0.5.
import { fileURLToPath } from 'node:url';
import { BookingRounds, preparePgbenchQuotes, sumPgbench } from './support/bookings.ts';
import { aggregate, asMeasurement, refused, statusMix } from './support/compare.ts';
import type { LoadResult } from './support/load-plan.ts';
import { seedKey, seedPartner, startNode } from './support/node.ts';
import type { BenchOptions } from './support/options.ts';
import type { PgbenchResult } from './support/pgbench.ts';
import { createBenchDatabase } from './support/postgres.ts';
import type { ScenarioRow } from './support/report.ts';
import { isMain, progress, runStandalone } from './support/standalone.ts';

const CONNECTIONS = 16;
const SCRIPT = fileURLToPath(new URL('./writes-booking.pgbench.sql', import.meta.url));

export async function benchWrites(options: BenchOptions): Promise<ScenarioRow[]> {
  const database = await createBenchDatabase();
  try {
    const partner = await seedPartner(database.db, 'Bench Travel');
    const key = await seedKey(database.db, partner);
    await preparePgbenchQuotes(database.db);
    const node = await startNode(database.db);
    try {
      const rounds = new BookingRounds(database.db, database.url, key, CONNECTIONS);
      const api = (seconds: number) => rounds.api(node.url, seconds);
      const pgbench = (seconds: number) => rounds.pgbench(SCRIPT, seconds);
      progress('writes: warm-up (API, then pgbench)');
      const warmApi = await api(options.warmupSeconds);
      await pgbench(options.warmupSeconds);

      progress('writes: POST /v1/bookings vs pgbench (A B B A)');
      const half = Math.max(1, Math.round(options.seconds / 2));
      const apiRounds: LoadResult[] = [];
      const pgbenchRounds: PgbenchResult[] = [];
      pgbenchRounds.push(await pgbench(half));
      apiRounds.push(await api(half));
      apiRounds.push(await api(half));
      pgbenchRounds.push(await pgbench(half));

      const measured = aggregate(apiRounds);
      const sql = sumPgbench(pgbenchRounds);
      const created = (measured.statuses['201'] ?? 0) + (warmApi.statuses['201'] ?? 0);
      const [booked] = await database.db.query<{ api: string; pgbench: string; audit: string }>(
        `SELECT count(*) FILTER (WHERE quote_id LIKE 'quo_a%')::text AS api,
                count(*) FILTER (WHERE quote_id LIKE 'quo_p%')::text AS pgbench,
                (SELECT count(*) FROM audit_events WHERE path = '/v1/bookings' AND user_agent IS DISTINCT FROM 'pgbench')::text AS audit
           FROM bookings`,
      );
      return [
        {
          scenario: 'writes: signed POST /v1/bookings',
          measured: asMeasurement('API', measured),
          baseline: {
            label: 'pgbench, same transaction',
            throughput: sql.perSecond,
            unit: 'tx/s',
            p50: sql.p50,
            p99: sql.p99,
          },
          target: 0.5,
          checks: [
            { label: `every booking answered 201 (${statusMix(measured)})`, ok: refused(measured) === 0 },
            {
              // Requests still in flight when a round's clock stops are completed by the node but not counted.
              label:
                `API bookings in the database (${booked?.api}) ≥ 201 answers counted (${created}), ` +
                `each with its audit event (${booked?.audit})`,
              ok: Number(booked?.api) >= created && Number(booked?.audit) === Number(booked?.api),
            },
            { label: 'no round ran out of pre-signed requests', ok: apiRounds.every((r) => !r.exhausted) },
          ],
          notes: [
            `PostgreSQL (fresh database); ${CONNECTIONS} connections on both sides (node pool: 20); rounds pgbench, API, ` +
              `API, pgbench of ${half} s each after ${options.warmupSeconds} s warm-up per side; p50 weighted mean, p99 worst round`,
            `requests pre-signed in the benchmark process before each round; pgbench: ${sql.transactions} transactions ` +
              `(${booked?.pgbench} bookings), -M extended, -c ${CONNECTIONS} -j 1`,
            'both sides ingest the audit event unsequenced in the booking transaction (no chain-head lock); the node also ' +
              "runs the cluster's sequencer, which places both sides' events",
          ],
        },
      ];
    } finally {
      await node.close();
    }
  } finally {
    await database.drop();
  }
}

if (isMain(import.meta.url)) await runStandalone(benchWrites);
