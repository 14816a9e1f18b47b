import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Readiness } from '../../src/probes/readiness.ts';
import { send } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { type NodeProcess, startNode } from '../support/node-process.ts';
import { type PrivatePostgres, postgresBinaries, startPrivatePostgres } from '../support/private-postgres.ts';

const CORE_CHECKS = ['database', 'migrations', 'change_feed', 'audit_writer', 'signing_keys'];

describe('the readiness registry', () => {
  test('names the checks that fail, throw or hang, and nothing else about them', async () => {
    const readiness = new Readiness(50);
    readiness.register('fine', () => true);
    readiness.register('down', () => false);
    readiness.register('throws', () => {
      throw new Error('password authentication failed for user "tessera"');
    });
    readiness.register('hangs', () => new Promise<boolean>(() => {}));
    assert.deepEqual(await readiness.failing(), ['down', 'throws', 'hangs']);
  });

  test('refuses a duplicate or malformed check name at start', () => {
    const readiness = new Readiness();
    readiness.register('gateway_upstreams', () => true);
    assert.throws(() => readiness.register('gateway_upstreams', () => true), /registered twice/);
    assert.throws(() => readiness.register('Bad Name', () => true), /lowercase identifier/);
    assert.throws(() => readiness.register('shutting_down', () => true), /lowercase identifier/);
  });
});

for (const target of databaseTargets()) {
  describe(`probes on ${target}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(target);
    });
    after(async () => {
      await h?.close();
    });

    test('/livez and /readyz answer without credentials, with every core check registered', async () => {
      assert.deepEqual(h.tessera.readiness.names, CORE_CHECKS);
      const live = await send(h.baseUrl, '/livez');
      assert.equal(live.status, 200);
      assert.deepEqual(live.body, { status: 'live' });
      const ready = await send(h.baseUrl, '/readyz');
      assert.equal(ready.status, 200);
      assert.deepEqual(ready.body, { status: 'ready', failing: [] });
      assert.equal(ready.headers.get('cache-control'), 'no-store');
    });

    test('probes are neither audited nor rate limited', async () => {
      const count = async () =>
        (
          await h.database.db.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM audit_events WHERE path IN ('/readyz', '/livez')",
          )
        )[0]?.n;
      const replies = await Promise.all(Array.from({ length: 30 }, () => send(h.baseUrl, '/readyz')));
      assert.ok(replies.every((reply) => reply.status === 200));
      assert.ok(replies.every((reply) => reply.headers.get('ratelimit') === null));
      await h.a.test.get('/v1/me'); // an audited request, so a flush has certainly happened since
      assert.equal(await count(), 0);
    });

    test('a migration the database lacks makes /readyz fail its migrations check', async () => {
      await h.database.db.query("DELETE FROM schema_migrations WHERE version = '007_audit_append'");
      try {
        const reply = await send(h.baseUrl, '/readyz');
        assert.equal(reply.status, 503);
        assert.deepEqual(reply.body, { status: 'not_ready', failing: ['migrations'] });
      } finally {
        await h.database.db.query(
          "INSERT INTO schema_migrations (version, checksum) SELECT '007_audit_append', NULL",
        );
      }
      assert.equal((await send(h.baseUrl, '/readyz')).status, 200);
    });

    test('a check another feature registers is reported by name', async () => {
      let upstreamsUp = false;
      h.tessera.readiness.register('gateway_upstreams', () => upstreamsUp);
      assert.deepEqual((await send(h.baseUrl, '/readyz')).body.failing, ['gateway_upstreams']);
      upstreamsUp = true;
      assert.equal((await send(h.baseUrl, '/readyz')).status, 200);
    });

    test('once draining, /readyz says shutting_down while the API keeps serving', async () => {
      h.tessera.readiness.drain();
      const ready = await send(h.baseUrl, '/readyz');
      assert.equal(ready.status, 503);
      assert.deepEqual(ready.body, { status: 'not_ready', failing: ['shutting_down'] });
      assert.equal((await send(h.baseUrl, '/livez')).status, 200);
      assert.equal((await h.a.test.get('/v1/me')).status, 200);
    });
  });
}

describe('probes while PostgreSQL is stopped', {
  skip: !postgresBinaries() && 'needs PostgreSQL binaries',
}, () => {
  let postgres: PrivatePostgres;
  let node: NodeProcess;
  before(async () => {
    postgres = await startPrivatePostgres();
    node = await startNode({ DATABASE_URL: postgres.url });
  });
  after(async () => {
    await node?.kill('SIGKILL');
    postgres?.destroy();
  });

  const readyzUntil = async (status: number, deadlineMs: number) => {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const reply = await send(node.url, '/readyz');
      if (reply.status === status || Date.now() > deadline) return reply;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  test('/readyz names the database and change feed at once, /livez stays up, and it recovers', async () => {
    assert.equal((await send(node.url, '/readyz')).status, 200);
    postgres.stop();
    const started = Date.now();
    const down = await readyzUntil(503, 10_000);
    assert.equal(down.status, 503);
    assert.ok(Date.now() - started < 5_000, 'the probe answered within its timeout');
    assert.deepEqual(Object.keys(down.body).sort(), ['failing', 'status']);
    const failing = down.body.failing as string[];
    assert.ok(failing.includes('database'), JSON.stringify(down.body));
    assert.ok(
      failing.every((name) => CORE_CHECKS.includes(name)),
      'only check names are revealed',
    );
    assert.equal((await send(node.url, '/livez')).status, 200);

    postgres.start();
    const back = await readyzUntil(200, 20_000);
    assert.deepEqual(back.body, { status: 'ready', failing: [] });
  });
});
