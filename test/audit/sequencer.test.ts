// Ingestion apart from sequencing (issue 12, item 6): an event is durable when its insert commits, with no
// per-chain lock; the cluster's one sequencer places events in batches, racing sequencers never fork a
// chain, sequencing is the only change an event ever takes, and a dead sequencer's node is replaced
// within 5 s.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { appendAuditEvents } from '../../src/audit/append.ts';
import type { AuditEventInput } from '../../src/audit/event.ts';
import { eventLeafHash, frontierOf, frontierToHex } from '../../src/audit/merkle.ts';
import { sequenceAllPending } from '../../src/audit/sequence.ts';
import { AuditSequencer } from '../../src/audit/sequencer.ts';
import { verifyDatabase } from '../../src/audit/verify-database.ts';
import type { Database, Queryable } from '../../src/db/database.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { createTestDatabase, databaseTargets, type TestDatabase } from '../support/database.ts';
import { type NodeProcess, startNode } from '../support/node-process.ts';

const PARTNERS = ['ptn_seqa', 'ptn_seqb', 'ptn_seqc'];

function event(partnerId: string, n: number): AuditEventInput {
  return {
    occurredAt: new Date(Date.UTC(2026, 5, 15, 12, 0, 0, n)),
    requestId: `req_seq_${partnerId}_${n}`,
    partnerId,
    environment: 'live',
    actorType: 'key',
    actorId: 'sk_seq',
    action: 'api.request',
    method: 'POST',
    path: '/v1/bookings',
    status: 201,
    detail: { n },
  };
}

async function pendingCount(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM audit_events WHERE chain_seq IS NULL',
  );
  return row?.n ?? -1;
}

async function waitUntilPlaced(db: Queryable, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await pendingCount(db)) > 0) {
    if (Date.now() > deadline) throw new Error('events were not sequenced in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every chain's positions are exactly 1..n, with recorded_at never decreasing along it. */
async function assertChainsWhole(db: Queryable, expected: number): Promise<void> {
  const rows = await db.query<{ chain_id: string; n: number; max: string; min: string; backwards: number }>(
    `SELECT chain_id, count(*)::int AS n, max(chain_seq)::text AS max, min(chain_seq)::text AS min,
            count(*) FILTER (WHERE recorded_at < prev_recorded)::int AS backwards
       FROM (SELECT chain_id, chain_seq, recorded_at,
                    lag(recorded_at) OVER (PARTITION BY chain_id ORDER BY chain_seq) AS prev_recorded
               FROM audit_events) e
      GROUP BY chain_id`,
  );
  assert.equal(
    rows.reduce((sum, row) => sum + row.n, 0),
    expected,
  );
  for (const row of rows) {
    assert.deepEqual([row.min, row.max, row.backwards], ['1', String(row.n), 0], row.chain_id);
  }
}

/** The node's sequencer holds the cluster's lock (its /metrics gauge), which it takes soon after it starts. */
async function waitUntilLeading(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!/^tessera_audit_sequencer_leader 1$/m.test(await (await fetch(`${url}/metrics`)).text())) {
    if (Date.now() > deadline) throw new Error('the node did not take the sequencer lock in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const target of databaseTargets()) {
  describe(`audit sequencing (${target})`, () => {
    const databases: TestDatabase[] = [];
    const sequencers: AuditSequencer[] = [];
    const errors: unknown[] = [];
    const fresh = async () => {
      const database = await createTestDatabase(target);
      databases.push(database);
      return database.db;
    };
    const sequencer = (
      db: Database,
      options: Partial<ConstructorParameters<typeof AuditSequencer>[1]> = {},
    ) => {
      const started = new AuditSequencer(db, { onError: (error) => errors.push(error), ...options });
      sequencers.push(started);
      started.start();
      return started;
    };
    after(async () => {
      await Promise.all(sequencers.map((s) => s.stop()));
      await Promise.all(databases.map((d) => d.drop()));
      assert.deepEqual(errors, [], 'no sequencer failed');
    });

    test('events ingested by concurrent writers are placed 1..n on each chain, and verify', async () => {
      const db = await fresh();
      const placing = sequencer(db, { batchSize: 50 });
      await Promise.all(
        Array.from({ length: 60 }, (_, writer) =>
          appendAuditEvents(
            db,
            PARTNERS.map((partner) => event(partner, writer)),
          ),
        ),
      );
      await waitUntilPlaced(db);
      assert.equal(placing.placed, 180);
      await assertChainsWhole(db, 180);
      const report = await verifyDatabase(db);
      assert.deepEqual(report.problems, []);
      assert.equal(report.events, 180);
    });

    test('sequencers racing over the same events never fork a chain', async () => {
      const db = await fresh();
      for (let batch = 0; batch < 10; batch++) {
        await appendAuditEvents(
          db,
          Array.from({ length: 150 }, (_, i) => event(PARTNERS[i % 3] as string, batch * 150 + i)),
        );
      }
      const leader = sequencer(db, { batchSize: 40, maxInFlight: 3, idleMs: 1 });
      const [first, second] = await Promise.all([sequenceAllPending(db, 30), sequenceAllPending(db, 70)]);
      await waitUntilPlaced(db);
      // Each event was placed exactly once, by whichever sequencer got there first.
      assert.equal(first + second + leader.placed, 1500);
      await assertChainsWhole(db, 1500);
      assert.deepEqual((await verifyDatabase(db)).problems, []);
    });

    test('placing an event is the only change it ever takes, and only once', async () => {
      const db = await fresh();
      await appendAuditEvents(db, [event('ptn_seqa', 1)]);
      const [pending] = await db.query<{ id: string }>('SELECT id FROM audit_events');
      const refused = /append-only/;
      await assert.rejects(
        db.query('UPDATE audit_events SET status = 200 WHERE id = $1', [pending?.id]),
        refused,
      );
      await assert.rejects(db.query('DELETE FROM audit_events WHERE id = $1', [pending?.id]), refused);
      assert.equal(await sequenceAllPending(db), 1);
      await assert.rejects(
        db.query("UPDATE audit_events SET hash = repeat('0', 64) WHERE id = $1", [pending?.id]),
        refused,
      );
      await assert.rejects(
        db.query('UPDATE audit_events SET chain_seq = 7 WHERE id = $1', [pending?.id]),
        refused,
      );
      assert.deepEqual((await verifyDatabase(db)).problems, []);
    });

    test('a head whose tree edge does not fit its size is placed onto with its tree rebuilt from the leaves', async () => {
      const db = await fresh();
      await appendAuditEvents(
        db,
        [1, 2, 3, 4, 5].map((n) => event('ptn_seqa', n)),
      );
      assert.equal(await sequenceAllPending(db), 5);
      await db.transaction(async (tx) => {
        await tx.query('SET LOCAL session_replication_role = replica');
        await tx.query(`UPDATE audit_chain_heads SET frontier = '' WHERE chain_id = 'ptn_seqa/live'`);
      });
      await appendAuditEvents(db, [event('ptn_seqa', 6)]);
      assert.equal(await sequenceAllPending(db), 1);
      const leaves = await db.query<{ hash: string }>(
        `SELECT hash FROM audit_events WHERE chain_id = 'ptn_seqa/live' ORDER BY chain_seq`,
      );
      const [head] = await db.query<{ chain_seq: string; frontier: string }>(
        `SELECT chain_seq::text AS chain_seq, frontier FROM audit_chain_heads WHERE chain_id = 'ptn_seqa/live'`,
      );
      assert.equal(head?.chain_seq, '6');
      assert.equal(head?.frontier, frontierToHex(frontierOf(leaves.map((leaf) => eventLeafHash(leaf.hash)))));
    });
  });
}

describe('audit ingestion takes no chain lock, and the sequencer fails over (postgres)', {
  skip: !process.env.DATABASE_URL,
}, () => {
  let database: TestDatabase | undefined;
  let second: Database | undefined;
  let node: NodeProcess | undefined;
  const sequencers: AuditSequencer[] = [];
  after(async () => {
    await node?.kill('SIGKILL');
    await Promise.all(sequencers.map((s) => s.stop()));
    await second?.close();
    await database?.drop();
  });

  test("a write's uncommitted event does not hold up another write of the same partner", async () => {
    database = await createTestDatabase('postgres');
    const { db } = database;
    const open = new pg.Client({ connectionString: database.url });
    await open.connect();
    try {
      await open.query('BEGIN');
      const inOpenTransaction: Queryable = {
        query: async (sql, params) => (await open.query(sql, params ? [...params] : [])).rows,
        exec: async (sql) => {
          await open.query(sql);
        },
      };
      await appendAuditEvents(inOpenTransaction, [event('ptn_seqa', 1)]);
      // Before item 6, this second append waited on the chain head's row lock until the first committed.
      const started = Date.now();
      await appendAuditEvents(db, [event('ptn_seqa', 2)]);
      assert.ok(Date.now() - started < 2_000, 'the second write waited for the first');
      assert.equal(await sequenceAllPending(db), 1, 'the committed event is placed at once');
      await open.query('COMMIT');
    } finally {
      await open.end();
    }
    assert.equal(await sequenceAllPending(db), 1);
    // Placement follows commits: the event that committed first holds position 1.
    const order = await db.query<{ request_id: string }>(
      "SELECT request_id FROM audit_events WHERE chain_id = 'ptn_seqa/live' ORDER BY chain_seq",
    );
    assert.deepEqual(
      order.map((row) => row.request_id),
      ['req_seq_ptn_seqa_2', 'req_seq_ptn_seqa_1'],
    );
  });

  test('when the node holding the sequencer lock is killed, another node takes over within 5 s', async (t) => {
    const url = database?.url;
    assert.ok(database && url);
    node = await startNode({ DATABASE_URL: url });
    await waitUntilLeading(node.url);
    second = await openPostgres(url);
    const standby = new AuditSequencer(second, {
      onError: () => {}, // the killed node's connections may fail underneath; it retries by itself
      leadershipRetryMs: 500,
    });
    sequencers.push(standby);
    standby.start();

    await appendAuditEvents(database.db, [event('ptn_seqb', 1)]);
    await waitUntilPlaced(database.db);
    assert.equal(standby.placed, 0, 'the node started first holds the lock and placed the event');

    await node.kill('SIGKILL');
    node = undefined;
    const killedAt = Date.now();
    await appendAuditEvents(database.db, [event('ptn_seqb', 2)]);
    await waitUntilPlaced(database.db, 10_000);
    const tookOverIn = Date.now() - killedAt;
    assert.equal(standby.placed, 1);
    assert.ok(tookOverIn < 5_000, `took over in ${tookOverIn} ms`);
    t.diagnostic(`the standby placed the first event after the kill ${tookOverIn} ms later`);
  });
});
