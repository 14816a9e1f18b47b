// Requests that Fastify answers before routing (a path that does not percent-decode, a path parameter over
// the router's limit) get everything a routed answer has (issue 10, item 6), and, carrying no identity, are
// bounded like every unauthenticated rejection: limited per client address, repeats aggregated in the log.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auditRowFor } from '../audit/audit-support.ts';
import { type Reply, send } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from '../support/harness.ts';
import { type LogSink, logSink } from '../support/log-sink.ts';

const LONG_ID = `bkg_${'A'.repeat(240)}`;
const LIMIT = 20;

for (const target of databaseTargets()) {
  describe(`framework errors are catalogued, audited and logged (${target})`, () => {
    let h: Harness;
    let sink: LogSink;
    before(async () => {
      sink = logSink();
      h = await startHarness(target, {
        logger: sink.logger,
        env: {
          TESSERA_TRUSTED_PROXIES: '127.0.0.1/32',
          TESSERA_UNAUTHENTICATED_LIMIT_PER_MINUTE: String(LIMIT),
        },
      });
    });
    after(() => h?.close());
    // Each case from an address of its own: identical rejections from one address are aggregated.
    const from = (address: string, path: string, surface: 'partner' | 'admin') =>
      send(h.baseUrl, path, {
        headers: {
          'x-forwarded-for': address,
          authorization: `Bearer ${surface === 'partner' ? h.a.keys.live.key : ADMIN_TOKEN}`,
        },
      });

    const cases: Array<[string, string, 'partner' | 'admin', number, string]> = [
      ['a booking id that does not decode', '/v1/bookings/bkg_%ff', 'partner', 400, 'request.invalid'],
      ['an overlong UTF-8 slash', '/v1/quotes/%c0%af', 'partner', 400, 'request.invalid'],
      ['an admin partner id that does not decode', '/admin/v1/partners/%ff', 'admin', 400, 'request.invalid'],
      ['an id over 200 characters', `/v1/bookings/${LONG_ID}`, 'partner', 404, 'resource.not_found'],
      [
        'an admin id over 200 characters',
        `/admin/v1/partners/${LONG_ID}`,
        'admin',
        404,
        'resource.not_found',
      ],
    ];
    for (const [index, [name, path, surface, status, code]] of cases.entries()) {
      test(`${name} (${path.slice(0, 40)}) is ${status} ${code} with our headers, log line and audit event`, async () => {
        const address = `198.51.100.${index + 1}`;
        const reply = await from(address, path, surface);
        assertCatalogued(reply, status, code);
        const requestId = reply.body.request_id;
        const row = await auditRowFor(h.tessera.db, String(requestId));
        assert.ok(row, `no audit event for ${requestId}`);
        assert.deepEqual(
          [row.status, row.error_code, row.path, row.client_ip],
          [status, code, path, address],
          'the client address is the one the trusted proxy reported',
        );
        const line = sink.lines().find((l) => l.request_id === requestId && l.msg === 'request');
        assert.ok(line, `no log line for ${requestId}`);
        assert.deepEqual([line.status, line.code, line.path], [status, code, path]);
      });
    }

    test('a flood of undecodable paths from one address is limited, and its repeats are one event', async () => {
      const address = '203.0.113.77';
      const statuses: number[] = [];
      for (let n = 0; n < LIMIT + 5; n++) {
        const reply = await from(address, `/v1/bookings/bkg_%ff${n}`, 'partner');
        statuses.push(reply.status);
        if (n === LIMIT) {
          assertCatalogued(reply, 429, 'rate_limit.exceeded');
          assert.ok(Number(reply.headers.get('retry-after')) > 0);
        }
      }
      assert.deepEqual(statuses, [...Array(LIMIT).fill(400), ...Array(5).fill(429)]);
      const [stored] = await h.tessera.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM audit_events WHERE client_ip = $1',
        [address],
      );
      // The first 400 and the first 429 at once; the repeats are counted into their window's event.
      assert.equal(stored?.n, 2);
      const other = await from('203.0.113.78', '/v1/bookings/bkg_%ff', 'partner');
      assert.equal(other.status, 400, 'another address is not limited');
    });
  });
}

function assertCatalogued(reply: Reply, status: number, code: string): void {
  assert.equal(reply.status, status, reply.text);
  assert.deepEqual(Object.keys(reply.body).sort(), ['code', 'message', 'request_id']);
  assert.equal(reply.body.code, code);
  assert.match(String(reply.body.request_id), /^req_/);
  assert.equal(reply.headers.get('x-request-id'), reply.body.request_id);
  assert.equal(reply.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(reply.headers.get('cache-control'), 'no-store');
  assert.match(reply.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  assert.ok(!reply.text.includes('FST_'), 'no framework code leaks');
}
