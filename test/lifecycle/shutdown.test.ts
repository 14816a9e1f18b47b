import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { closeHttpWithin, shutDownGracefully } from '../../src/lifecycle/shutdown.ts';
import { send } from '../support/client.ts';
import { createTestDatabase, databaseTargets } from '../support/database.ts';
import { ADMIN_TOKEN, startHarness } from '../support/harness.ts';

/** Starts an admin write whose body is only half sent: a request in flight for as long as we like. */
async function halfSentWrite(server: Server, baseUrl: string, name: string) {
  const { port } = new URL(baseUrl);
  const received = once(server, 'request');
  const socket: Socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  const body = JSON.stringify({ name });
  socket.write(
    `POST /admin/v1/partners HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
  );
  let response = '';
  socket.on('data', (chunk: Buffer) => {
    response += chunk.toString('utf8');
  });
  const closed = once(socket, 'close').then(() => response);
  await received; // the server has the request: from now on it is in flight
  return { finish: () => socket.write(body.slice(5)), closed };
}

for (const target of databaseTargets()) {
  describe(`graceful shutdown on ${target}`, () => {
    test('drains first: /readyz 503 and the API still serving for the whole delay, then closes', async () => {
      const h = await startHarness(target);
      const seen: string[] = [];
      await shutDownGracefully(
        {
          drain: () => {
            seen.push('drain');
            h.tessera.readiness.drain();
          },
          close: async () => {
            seen.push('close');
            await h.close();
          },
        },
        {
          delayMs: 5_000,
          wait: async (ms) => {
            seen.push(`wait ${ms}`);
            assert.equal((await send(h.baseUrl, '/readyz')).status, 503);
            assert.equal((await h.a.test.get('/v1/me')).status, 200);
          },
        },
      );
      assert.deepEqual(seen, ['drain', 'wait 5000', 'close']);
    });

    test('an in-flight request finishes and its audit event is flushed before close resolves', async () => {
      const database = await createTestDatabase(target);
      const h = await startHarness(target, { database });
      try {
        const write = await halfSentWrite(h.tessera.app.server, h.baseUrl, 'In flight at shutdown');
        const closing = closeHttpWithin(h.tessera.app, 20_000);
        write.finish();
        assert.equal(await closing, 'drained');
        assert.match(await write.closed, /^HTTP\/1\.1 201/);
      } finally {
        await h.close();
      }
      // close() drained the audit writer; the database stays open, since the test owns it.
      const rows = await database.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_events WHERE path = '/admin/v1/partners' AND status = 201 AND action = 'admin.request'",
      );
      assert.equal(rows[0]?.n, 3, 'the two seeded partners and the in-flight one');
      await database.drop();
    });

    test('a request that never completes is cut at the timeout instead of holding the shutdown', async () => {
      const h = await startHarness(target);
      try {
        const stuck = await halfSentWrite(h.tessera.app.server, h.baseUrl, 'Never finishes');
        assert.equal(await closeHttpWithin(h.tessera.app, 300), 'timed_out');
        assert.doesNotMatch(await stuck.closed, /201/);
      } finally {
        await h.close();
      }
    });
  });
}
