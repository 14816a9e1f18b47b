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
// claim and record, accepted signature, quote lookup, booking row, audit event and chain-head update) in one
// transaction, at the same concurrency. The two sides are interleaved A B B A. Target: ratio ≥ 0.5.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { GENESIS_HASH } from '../src/audit/chain.ts';
import type { Database } from '../src/db/database.ts';
import { signRequest } from '../test/support/client.ts';
import { aggregate, asMeasurement, refused, statusMix } from './support/compare.ts';
import { runLoad } from './support/load.ts';
import type { LoadResult, PlannedRequest } from './support/load-plan.ts';
import { type BenchKey, seedKey, seedPartner, startNode } from './support/node.ts';
import type { BenchOptions } from './support/options.ts';
import { type PgbenchResult, runPgbench } from './support/pgbench.ts';
import { createBenchDatabase } from './support/postgres.ts';
import type { ScenarioRow } from './support/report.ts';
import { isMain, progress, runStandalone } from './support/standalone.ts';

const CONNECTIONS = 16;
const SCRIPT = fileURLToPath(new URL('./writes-booking.pgbench.sql', import.meta.url));
/** Quotes provisioned per round: the rate seen so far × the round's length × this, so no round runs dry. */
const HEADROOM = 3;
const MIN_RATE = 300;

/** Inserts `count` bookable quotes numbered from `from`, with ids `${idPrefix}0000…n` (23 characters). */
async function insertQuotes(db: Database, key: BenchKey, idPrefix: string, from: number, count: number) {
  await db.query(
    `INSERT INTO quotes (id, partner_id, environment, origin, destination, departure_date, return_date, adults,
       children, cabin, amount, currency, created_at, expires_at)
     SELECT $1 || lpad(n::text, $6::int - length($1), '0'), $2, $3, 'LHR', 'JFK', current_date + 30, NULL, 1, 0,
            'economy', 412.50, 'EUR', now(), now() + interval '15 minutes'
       FROM generate_series($4::int, $5::int) AS n`,
    [idPrefix, key.verified.partnerId, key.verified.environment, from, from + count - 1, 'quo_'.length + 23],
  );
}

function signedBooking(key: BenchKey, quoteId: string): PlannedRequest {
  const path = '/v1/bookings';
  const body = JSON.stringify({
    quote_id: quoteId,
    travellers: [{ first_name: 'Ada', last_name: 'Lovelace', birth_date: '1985-12-10' }],
    contact: { email: 'ada@example.com' },
  });
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    method: 'POST',
    path,
    headers: {
      authorization: `Bearer ${key.key}`,
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
      'x-timestamp': String(timestamp),
      'x-signature': signRequest({ secret: key.secret, method: 'POST', path, body, timestamp }),
    },
    body,
  };
}

class Rounds {
  #apiQuotes = 0;
  #pgbenchQuotes = 0;
  apiRate = MIN_RATE;
  pgbenchRate = MIN_RATE;

  constructor(
    private readonly db: Database,
    private readonly url: string,
    private readonly databaseUrl: string,
    private readonly key: BenchKey,
  ) {}

  async api(seconds: number): Promise<LoadResult> {
    const count = Math.ceil(Math.max(this.apiRate, MIN_RATE) * seconds * HEADROOM);
    const from = this.#apiQuotes + 1;
    await insertQuotes(this.db, this.key, 'quo_a', from, count);
    this.#apiQuotes += count;
    const requests = Array.from({ length: count }, (_, i) =>
      signedBooking(this.key, `quo_a${String(from + i).padStart(22, '0')}`),
    );
    const result = await runLoad({
      url: this.url,
      connections: CONNECTIONS,
      seconds,
      requests,
      order: 'each-once',
    });
    this.apiRate = Math.max(this.apiRate, result.okPerSecond);
    return result;
  }

  async pgbench(seconds: number): Promise<PgbenchResult> {
    const count = Math.ceil(Math.max(this.pgbenchRate, MIN_RATE) * seconds * HEADROOM);
    await insertQuotes(this.db, this.key, 'quo_p', this.#pgbenchQuotes + 1, count);
    this.#pgbenchQuotes += count;
    const { partnerId, environment, prefix } = this.key.verified;
    const result = await runPgbench({
      url: this.databaseUrl,
      script: SCRIPT,
      clients: CONNECTIONS,
      seconds,
      variables: {
        partner: partnerId,
        environment,
        chain: `${partnerId}/${environment}`,
        prefix,
        genesis: GENESIS_HASH,
      },
    });
    if (result.exitCode !== 0) throw new Error(`pgbench failed:\n${result.output}`);
    this.pgbenchRate = Math.max(this.pgbenchRate, result.transactionsPerSecond);
    return result;
  }
}

export async function benchWrites(options: BenchOptions): Promise<ScenarioRow[]> {
  const database = await createBenchDatabase();
  try {
    const partner = await seedPartner(database.db, 'Bench Travel');
    const key = await seedKey(database.db, partner);
    // pgbench numbers its quotes with a sequence, read under the application role like everything else.
    await database.db.exec(
      'CREATE SEQUENCE bench_pgbench_quote_seq; GRANT USAGE ON SEQUENCE bench_pgbench_quote_seq TO tessera_app;',
    );
    const node = await startNode(database.db);
    try {
      const rounds = new Rounds(database.db, node.url, database.url, key);
      progress('writes: warm-up (API, then pgbench)');
      const warmApi = await rounds.api(options.warmupSeconds);
      await rounds.pgbench(options.warmupSeconds);

      progress('writes: POST /v1/bookings vs pgbench (A B B A)');
      const half = Math.max(1, Math.round(options.seconds / 2));
      const api: LoadResult[] = [];
      const pgbench: PgbenchResult[] = [];
      pgbench.push(await rounds.pgbench(half));
      api.push(await rounds.api(half));
      api.push(await rounds.api(half));
      pgbench.push(await rounds.pgbench(half));

      const measured = aggregate(api);
      const sql = sumPgbench(pgbench);
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
            { label: 'no round ran out of pre-signed requests', ok: api.every((r) => !r.exhausted) },
          ],
          notes: [
            `PostgreSQL (fresh database); ${CONNECTIONS} connections on both sides (node pool: 20); rounds pgbench, API, ` +
              `API, pgbench of ${half} s each after ${options.warmupSeconds} s warm-up per side; p50 weighted mean, p99 worst round`,
            `requests pre-signed in the benchmark process before each round; pgbench: ${sql.transactions} transactions ` +
              `(${booked?.pgbench} bookings), -M extended, -c ${CONNECTIONS} -j 1`,
            "both sides serialise on the partner's audit chain head (SELECT … FOR UPDATE until COMMIT), as the design requires",
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

function sumPgbench(results: readonly PgbenchResult[]) {
  const seconds = results.reduce((sum, r) => sum + r.seconds, 0);
  const transactions = results.reduce((sum, r) => sum + r.transactions, 0);
  const weighted = (pick: (r: PgbenchResult) => number) =>
    Math.round(
      (results.reduce((sum, r) => sum + pick(r) * r.transactions, 0) / Math.max(1, transactions)) * 10,
    ) / 10;
  return {
    transactions,
    perSecond: transactions / seconds,
    p50: weighted((r) => r.p50),
    p99: Math.max(0, ...results.map((r) => r.p99)),
  };
}

if (isMain(import.meta.url)) await runStandalone(benchWrites);
