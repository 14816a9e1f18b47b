import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PartnerClient, type Reply, send } from '../support/client.ts';
import { createTestDatabase, databaseTargets, type TestDatabase } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';

// One client with no key used to add one audit row per request (31,357 rows in 10 s). Now a per-address
// limit stops it after 600 failures a minute, and repeated identical rejections become one event per
// window with a count, so the rows stay few and their counts still add up to every request sent.
// The node's clock is injected: the test moves it past the window instead of waiting a minute.
const T0 = Date.parse('2026-11-29T12:00:00Z');

interface RejectionRow {
  request_id: string | null;
  error_code: string | null;
  path: string | null;
  detail: { count?: number; first_at?: string; last_at?: string } | null;
}

for (const target of databaseTargets()) {
  describe(`unauthenticated floods are limited and aggregated (${target})`, () => {
    let database: TestDatabase;
    let h: Harness;
    let closed = false;
    let clock = T0;
    before(async () => {
      database = await createTestDatabase(target);
      h = await startHarness(target, {
        database,
        now: () => clock,
        env: { TESSERA_TRUSTED_PROXIES: '127.0.0.1/32' },
      });
    });
    after(async () => {
      if (!closed) await h?.close();
      await database?.drop();
    });

    const from = (address: string, path: string, authorization?: string): Promise<Reply> =>
      send(h.baseUrl, path, {
        headers: { 'x-forwarded-for': address, ...(authorization ? { authorization } : {}) },
      });
    /** No key, a malformed Bearer value, and a path that matches no route, in turn. */
    const unauthenticated = (address: string, n: number): Promise<Reply> =>
      [
        () => from(address, '/v1/me'),
        () => from(address, '/v1/me', `Bearer not-a-key-${n}`),
        () => from(address, `/v1/no-such-route/${n}`),
      ][n % 3]?.() ?? Promise.reject(new Error('unreachable'));
    const rowsFrom = (address: string) =>
      database.db.query<RejectionRow>(
        'SELECT request_id, error_code, path, detail FROM audit_events WHERE client_ip = $1 AND status >= 400 ORDER BY seq',
        [address],
      );
    const requestsIn = (rows: RejectionRow[]) => rows.reduce((sum, row) => sum + (row.detail?.count ?? 1), 0);

    test('600 failures are answered, the 601st is 429 with Retry-After, another address is unaffected', async () => {
      const statuses = new Set<number>();
      for (let n = 0; n < 600; n++) statuses.add((await unauthenticated('203.0.113.5', n)).status);
      assert.deepEqual([...statuses].sort(), [401, 404]);

      const limited = await from('203.0.113.5', '/v1/me');
      assert.equal(limited.status, 429);
      assert.equal(limited.body.code, 'rate_limit.exceeded');
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      for (let n = 601; n < 604; n++) assert.equal((await from('203.0.113.5', '/v1/me')).status, 429);

      assert.equal((await from('203.0.113.6', '/v1/me')).body.code, 'auth.api_key.missing');
      const valid = await new PartnerClient(h.baseUrl, h.a.keys.live.key).get('/v1/me', {
        'x-forwarded-for': '203.0.113.6',
      });
      assert.equal(valid.status, 200);
      const sameAddress = await new PartnerClient(h.baseUrl, h.a.keys.live.key).get('/v1/me', {
        'x-forwarded-for': '203.0.113.5',
      });
      assert.equal(sameAddress.status, 200, 'a key the node has just verified passes even from that address');
      const notVerified = await new PartnerClient(h.baseUrl, h.b.keys.live.key).get('/v1/me', {
        'x-forwarded-for': '203.0.113.5',
      });
      assert.equal(notVerified.status, 429, 'anything that would need verifying does not');
    });

    test('the flood left a bounded number of audit rows whose counts add up to the requests sent', async () => {
      const firsts = await rowsFrom('203.0.113.5');
      assert.equal(firsts.length, 4, 'the first of each kind of rejection is recorded at once');
      assert.deepEqual(firsts.map((row) => row.error_code).sort(), [
        'auth.api_key.malformed',
        'auth.api_key.missing',
        'rate_limit.exceeded',
        'route.not_found',
      ]);

      clock += 61_000; // the window ends; the node flushes the aggregates within about a second
      const deadline = Date.now() + 10_000;
      let rows = firsts;
      while (requestsIn(rows) < 605 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        rows = await rowsFrom('203.0.113.5');
      }
      assert.equal(requestsIn(rows), 605);
      assert.equal(rows.length, 8, 'one first event and one aggregate per kind of rejection');
      const notFound = rows.filter((row) => row.error_code === 'route.not_found');
      assert.deepEqual(
        notFound.map((row) => row.detail?.count ?? 1),
        [1, 199],
        'every unmatched path is one route',
      );
      const aggregate = notFound[1]?.detail;
      assert.ok(aggregate?.first_at && aggregate.last_at && aggregate.first_at <= aggregate.last_at);

      const again = await unauthenticated('203.0.113.5', 0);
      assert.equal(again.status, 401, 'a new window lets the address in again');
    });

    test('the first rejection of a window is durable before its response; open counts are flushed on shutdown', async () => {
      const first = await from('198.51.100.9', '/v1/me');
      const [row] = await rowsFrom('198.51.100.9');
      assert.equal(row?.request_id, first.body.request_id);
      for (let n = 0; n < 4; n++) await from('198.51.100.9', '/v1/me');

      await h.close();
      closed = true;
      const rows = await rowsFrom('198.51.100.9');
      assert.deepEqual(
        rows.map((r) => r.detail?.count ?? 1),
        [1, 4],
      );
    });
  });
}
