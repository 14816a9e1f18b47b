// The group-commit writer: a request's promise resolves only once its event is committed; concurrent
// events share batches; a failed batch fails exactly its own requests; drain() leaves nothing behind.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { AuditEventInput } from '../../src/audit/event.ts';
import { GroupCommitWriter } from '../../src/audit/group-commit.ts';
import type { Database } from '../../src/db/database.ts';
import { createTestDatabase, databaseTargets, type TestDatabase } from '../support/database.ts';

function event(n: number): AuditEventInput {
  return {
    occurredAt: new Date(Date.UTC(2026, 5, 15, 12, 0, 0, n)),
    requestId: `req_gc_${n}`,
    partnerId: 'ptn_groupcommit',
    environment: 'live',
    actorType: 'key',
    actorId: 'sk_gc',
    action: 'api.request',
    status: 200,
  };
}

async function storedRequestIds(db: Database): Promise<string[]> {
  const rows = await db.query<{ request_id: string }>(
    'SELECT request_id FROM audit_events ORDER BY request_id',
  );
  return rows.map((row) => row.request_id);
}

for (const target of databaseTargets()) {
  describe(`audit group commit (${target})`, () => {
    const databases: TestDatabase[] = [];
    after(() => Promise.all(databases.map((d) => d.drop())));
    const fresh = async () => {
      const database = await createTestDatabase(target);
      databases.push(database);
      return database.db;
    };

    test('each request resolves once its event is stored, and concurrent events share batches', async () => {
      const db = await fresh();
      const writer = new GroupCommitWriter(db);
      await writer.record(event(0));
      assert.deepEqual(await storedRequestIds(db), ['req_gc_0'], 'a lone event is written at once');

      const ids = Array.from({ length: 300 }, (_, i) => i + 1);
      await Promise.all(
        ids.map(async (n) => {
          await writer.record(event(n));
          const [row] = await db.query('SELECT 1 FROM audit_events WHERE request_id = $1', [`req_gc_${n}`]);
          assert.ok(row, `event ${n} was stored before its promise resolved`);
        }),
      );
      assert.equal((await storedRequestIds(db)).length, 301);
      assert.ok(writer.batches < 30, `301 events took ${writer.batches} batches`);
    });

    test('a failed batch fails its own requests only, and the writer goes on', async () => {
      const db = await fresh();
      let failNext = true;
      const flaky: Database = {
        ...db,
        query: async (sql, params) => {
          if (failNext && sql.includes('INSERT INTO audit_events')) {
            failNext = false;
            throw new Error('database unavailable');
          }
          return db.query(sql, params);
        },
      };
      const writer = new GroupCommitWriter(flaky);
      const first = await Promise.allSettled([writer.record(event(1)), writer.record(event(2))]);
      assert.deepEqual(
        first.map((r) => r.status),
        ['rejected', 'rejected'],
      );
      await writer.record(event(3));
      assert.deepEqual(await storedRequestIds(db), ['req_gc_3']);
    });

    test('drain() resolves once every event recorded before it is stored', async () => {
      const db = await fresh();
      const writer = new GroupCommitWriter(db);
      const recorded = Array.from({ length: 50 }, (_, i) => writer.record(event(i)));
      await writer.drain();
      assert.equal(writer.backlog, 0);
      assert.equal((await storedRequestIds(db)).length, 50);
      await Promise.all(recorded);
    });

    test('text a client controls is stored exactly as sent, in the order recorded, and cannot reshape a batch', async () => {
      const db = await fresh();
      const hostile = [
        'a"b\\c\\"d',
        '","status":500,"partner_id":"ptn_other","x":"',
        '"}]; DROP TABLE audit_events; --',
        '{"a":1}',
        'NULL',
        'line\nbreak\ttab\rreturn \u2028\u2029',
        'é ü 😀 \u00a0',
        '\\u0000 written out',
      ];
      const events = hostile.map((text, n) => ({
        ...event(n),
        requestId: `req_hostile_${n}`,
        path: `/v1/${text}`,
        userAgent: text,
        actorId: text,
        detail: { [text]: text, list: [text, 'x'], big: 1e21, small: 1e-7, zero: -0 },
      }));
      const writer = new GroupCommitWriter(db);
      await Promise.all(events.map((e) => writer.record(e)));
      const rows = await db.query<{
        request_id: string;
        path: string;
        user_agent: string;
        actor_id: string;
        partner_id: string;
        status: number;
        detail: unknown;
      }>(
        `SELECT request_id, path, user_agent, actor_id, partner_id, status, detail FROM audit_events
          ORDER BY seq`,
      );
      assert.deepEqual(
        rows.map((row) => row.request_id),
        events.map((e) => e.requestId),
        'ingestion order is recording order',
      );
      for (const [n, row] of rows.entries()) {
        const sent = events[n];
        assert.ok(sent);
        assert.deepEqual(
          [row.path, row.user_agent, row.actor_id, row.partner_id, row.status],
          [sent.path, sent.userAgent, sent.actorId, 'ptn_groupcommit', 200],
        );
        assert.deepEqual(row.detail, JSON.parse(JSON.stringify(sent.detail)));
      }
    });
  });
}
