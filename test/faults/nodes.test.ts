import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { Tessera } from '../../sdk/src/index.ts';
import { PartnerClient } from '../support/client.ts';
import { createPostgresDatabase, dropPostgresDatabase } from '../support/database.ts';
import { type NodeProcess, startNode } from '../support/node-process.ts';
import { createPartnerWithKey, quoteParams, roundRobinFetch, traveller } from './support.ts';

describe('three nodes on one PostgreSQL database', {
  skip: !process.env.DATABASE_URL && 'needs DATABASE_URL',
}, () => {
  let url: string;
  let nodes: NodeProcess[] = [];
  let key: string;
  let db: pg.Client;

  before(async () => {
    url = await createPostgresDatabase();
    nodes = await Promise.all([0, 1, 2].map(() => startNode({ DATABASE_URL: url })));
    ({ key } = await createPartnerWithKey(nodes[0]?.url ?? ''));
    db = new pg.Client({ connectionString: url });
    await db.connect();
  });
  after(async () => {
    await db?.end();
    await Promise.all(nodes.map((node) => node.kill('SIGKILL')));
    if (url) await dropPostgresDatabase(url);
  });

  test('a node killed mid-load loses no acknowledged booking and the SDK creates no duplicate', async () => {
    const spread = roundRobinFetch(nodes.map((node) => node.url));
    const client = new Tessera({
      apiKey: key,
      baseUrl: nodes[0]?.url ?? '',
      fetch: spread,
      maxAttempts: 8,
      timeoutMs: 20_000,
    });
    const quotes = [];
    for (let i = 0; i < 60; i++) quotes.push(await client.quotes.create(quoteParams(i)));

    const victim = nodes[1];
    const killer = setTimeout(() => victim?.child.kill('SIGKILL'), 150);
    const outcomes = await Promise.allSettled(
      quotes.map((quote) =>
        client.bookings.create({
          quote_id: quote.id,
          travellers: [traveller],
          contact: { email: 'ops@bank.example' },
        }),
      ),
    );
    clearTimeout(killer);
    assert.notEqual(victim?.child.signalCode, null, 'the node was killed during the load');
    assert.ok(spread.networkFailures > 0, 'some attempts met the dead node and were retried elsewhere');

    const failures = outcomes.filter((o) => o.status === 'rejected');
    assert.deepEqual(failures, [], 'every booking was acknowledged after retries on the surviving nodes');
    const acknowledged = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const rows = await db.query<{ id: string; quote_id: string }>('SELECT id, quote_id FROM bookings');
    const stored = new Map(rows.rows.map((row) => [row.quote_id, row.id]));
    assert.equal(rows.rows.length, quotes.length, 'exactly one booking per quote');
    for (const booking of acknowledged) {
      assert.equal(stored.get(booking.quote_id), booking.id, 'the acknowledged booking is the stored one');
    }
  });

  test('the same Idempotency-Key sent to two nodes at the same moment makes exactly one booking', async () => {
    const [first, , third] = nodes;
    const onFirst = new PartnerClient(first?.url ?? '', key);
    const onThird = new PartnerClient(third?.url ?? '', key);
    for (let round = 0; round < 10; round++) {
      const quote = await onFirst.post('/v1/quotes', quoteParams(100 + round));
      assert.equal(quote.status, 201, quote.text);
      const body = JSON.stringify({
        quote_id: quote.body.id,
        travellers: [traveller],
        contact: { email: 'a@b.example' },
      });
      const sameRequest = { idempotencyKey: randomUUID(), timestamp: Math.floor(Date.now() / 1000) };
      const replies = await Promise.all([
        onFirst.post('/v1/bookings', body, sameRequest),
        onThird.post('/v1/bookings', body, sameRequest),
      ]);
      for (const reply of replies) {
        assert.ok(
          reply.status === 201 || (reply.status === 409 && reply.body.code === 'idempotency.key.in_progress'),
          `unexpected ${reply.status} ${reply.text}`,
        );
      }
      const ids = new Set(replies.filter((r) => r.status === 201).map((r) => r.body.id));
      assert.equal(ids.size, 1, 'every success names the same booking');
      const count = await db.query('SELECT count(*)::int AS n FROM bookings WHERE quote_id = $1', [
        quote.body.id,
      ]);
      assert.equal(count.rows[0].n, 1);
    }
  });
});
