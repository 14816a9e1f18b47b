import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { PartnerClient, send } from '../support/client.ts';
import { createPostgresDatabase, dropPostgresDatabase } from '../support/database.ts';
import { ADMIN_TOKEN } from '../support/harness.ts';
import { type NodeProcess, startNode } from '../support/node-process.ts';

// A node killed without warning must not have released any response whose audit event is not committed:
// the event is durable before the response leaves, so every request id a client saw is in the database.
describe('SIGKILL under load loses no audit event of an answered request (postgres)', {
  skip: !process.env.DATABASE_URL,
}, () => {
  let node: NodeProcess | undefined;
  let url: string | undefined;
  after(async () => {
    await node?.kill('SIGKILL');
    if (url) await dropPostgresDatabase(url);
  });

  test('every X-Request-Id a client received is in audit_events', async () => {
    url = await createPostgresDatabase();
    node = await startNode({ DATABASE_URL: url, TESSERA_RATE_LIMIT_PER_MINUTE: '10000000' });
    const admin = (path: string, body: unknown) =>
      send(node?.url ?? '', path, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const partner = await admin('/admin/v1/partners', { name: 'Killed Node Bank' });
    const key = await admin(`/admin/v1/partners/${partner.body.id}/keys`, { environment: 'live' });
    const client = new PartnerClient(node.url, String(key.body.key));
    assert.equal((await client.get('/v1/me')).status, 200);

    const answered: string[] = [];
    let stopped = false;
    const worker = async () => {
      while (!stopped) {
        try {
          const reply = await client.get('/v1/me');
          const id = reply.headers.get('x-request-id');
          if (id) answered.push(id);
        } catch {
          return; // the connection died with the node: this request was never answered
        }
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    // Kill mid-load: once a good number of answers are in (however slow a busy CI machine is), not after a
    // fixed time, so the test always has something to check.
    const deadline = Date.now() + 15_000;
    while (answered.length < 200 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await node.kill('SIGKILL');
    stopped = true;
    await Promise.all(workers);
    assert.ok(answered.length > 50, `only ${answered.length} requests were answered before the kill`);

    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const { rows } = await db.query<{ request_id: string }>(
        'SELECT request_id FROM audit_events WHERE request_id = ANY($1::text[])',
        [answered],
      );
      const recorded = new Set(rows.map((row) => row.request_id));
      const lost = answered.filter((id) => !recorded.has(id));
      assert.deepEqual(
        lost,
        [],
        `${lost.length} of ${answered.length} answered requests have no audit event`,
      );
    } finally {
      await db.end();
    }
  });
});
