// Signed `POST /v1/bookings` rounds against a node, and pgbench rounds of a booking script, on one database.
// Every request books its own quote (a quote can be booked once) with its own Idempotency-Key, X-Timestamp
// and X-Signature. Quotes are inserted with SQL before each round and requests are signed in this process
// before it (exactly like test/support/client.ts), so signing is not on the load generator's critical path:
// the generator sends each pre-signed request once. pgbench books quotes numbered by a sequence.
import { randomUUID } from 'node:crypto';
import type { Database } from '../../src/db/database.ts';
import { signRequest } from '../../test/support/client.ts';
import { runLoad } from './load.ts';
import type { LoadResult, PlannedRequest } from './load-plan.ts';
import type { BenchKey } from './node.ts';
import { type PgbenchResult, runPgbench } from './pgbench.ts';

/** Quotes provisioned per round: the rate seen so far × the round's length × this, so no round runs dry. */
const HEADROOM = 3;
const MIN_RATE = 300;
const QUOTE_ID_LENGTH = 'quo_'.length + 23;

/** Inserts `count` bookable quotes numbered from `from`, with ids `${idPrefix}0000…n` (27 characters). */
async function insertQuotes(db: Database, key: BenchKey, idPrefix: string, from: number, count: number) {
  await db.query(
    `INSERT INTO quotes (id, partner_id, environment, origin, destination, departure_date, return_date, adults,
       children, cabin, amount, currency, created_at, expires_at)
     SELECT $1 || lpad(n::text, $6::int - length($1), '0'), $2, $3, 'LHR', 'JFK', current_date + 30, NULL, 1, 0,
            'economy', 412.50, 'EUR', now(), now() + interval '15 minutes'
       FROM generate_series($4::int, $5::int) AS n`,
    [idPrefix, key.verified.partnerId, key.verified.environment, from, from + count - 1, QUOTE_ID_LENGTH],
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

/** Lets pgbench number its quotes with a sequence, read under the application role like everything else. */
export async function preparePgbenchQuotes(db: Database): Promise<void> {
  await db.exec(
    'CREATE SEQUENCE bench_pgbench_quote_seq; GRANT USAGE ON SEQUENCE bench_pgbench_quote_seq TO tessera_app;',
  );
}

export class BookingRounds {
  #apiQuotes = 0;
  #pgbenchQuotes = 0;
  #apiRate = MIN_RATE;
  #pgbenchRate = MIN_RATE;

  constructor(
    private readonly db: Database,
    private readonly databaseUrl: string,
    private readonly key: BenchKey,
    private readonly connections: number,
  ) {}

  /** One round of signed bookings through the node at `url`. */
  async api(url: string, seconds: number): Promise<LoadResult> {
    const count = Math.ceil(this.#apiRate * seconds * HEADROOM);
    const from = this.#apiQuotes + 1;
    await insertQuotes(this.db, this.key, 'quo_a', from, count);
    this.#apiQuotes += count;
    const requests = Array.from({ length: count }, (_, i) =>
      signedBooking(this.key, `quo_a${String(from + i).padStart(QUOTE_ID_LENGTH - 'quo_a'.length, '0')}`),
    );
    const result = await runLoad({
      url,
      connections: this.connections,
      seconds,
      requests,
      order: 'each-once',
    });
    this.#apiRate = Math.max(this.#apiRate, result.okPerSecond);
    return result;
  }

  /** One round of pgbench running `script` (a booking script: see bench/writes-booking.pgbench.sql). */
  async pgbench(script: string, seconds: number): Promise<PgbenchResult> {
    const count = Math.ceil(this.#pgbenchRate * seconds * HEADROOM);
    await insertQuotes(this.db, this.key, 'quo_p', this.#pgbenchQuotes + 1, count);
    this.#pgbenchQuotes += count;
    const { partnerId, environment, prefix } = this.key.verified;
    const result = await runPgbench({
      url: this.databaseUrl,
      script,
      clients: this.connections,
      seconds,
      variables: { partner: partnerId, environment, chain: `${partnerId}/${environment}`, prefix },
    });
    if (result.exitCode !== 0) throw new Error(`pgbench failed:\n${result.output}`);
    this.#pgbenchRate = Math.max(this.#pgbenchRate, result.transactionsPerSecond);
    return result;
  }
}

/** Several pgbench rounds as one side: transactions per second overall, p50 weighted, p99 the worst round. */
export function sumPgbench(results: readonly PgbenchResult[]) {
  const seconds = results.reduce((sum, r) => sum + r.seconds, 0);
  const transactions = results.reduce((sum, r) => sum + r.transactions, 0);
  const weightedP50 = results.reduce((sum, r) => sum + r.p50 * r.transactions, 0);
  return {
    transactions,
    perSecond: transactions / seconds,
    p50: Math.round((weightedP50 / Math.max(1, transactions)) * 10) / 10,
    p99: Math.max(0, ...results.map((r) => r.p99)),
  };
}
