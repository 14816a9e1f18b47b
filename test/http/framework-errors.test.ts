// Requests that Fastify answers before routing (a path that does not percent-decode, a path parameter over
// the router's limit) get everything a routed answer has (issue 10, item 6).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auditRowFor } from '../audit/audit-support.ts';
import type { Reply } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { type LogSink, logSink } from '../support/log-sink.ts';

const LONG_ID = `bkg_${'A'.repeat(240)}`;

for (const target of databaseTargets()) {
  describe(`framework errors are catalogued, audited and logged (${target})`, () => {
    let h: Harness;
    let sink: LogSink;
    before(async () => {
      sink = logSink();
      h = await startHarness(target, { logger: sink.logger });
    });
    after(() => h?.close());

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
    for (const [name, path, surface, status, code] of cases) {
      test(`${name} (${path.slice(0, 40)}) is ${status} ${code} with our headers, log line and audit event`, async () => {
        const reply = surface === 'partner' ? await h.a.live.get(path) : await h.admin('GET', path);
        assertCatalogued(reply, status, code);
        const requestId = reply.body.request_id;
        const row = await auditRowFor(h.tessera.db, String(requestId));
        assert.ok(row, `no audit event for ${requestId}`);
        assert.deepEqual([row.status, row.error_code, row.path], [status, code, path]);
        const line = sink.lines().find((l) => l.request_id === requestId && l.msg === 'request');
        assert.ok(line, `no log line for ${requestId}`);
        assert.deepEqual([line.status, line.code, line.path], [status, code, path]);
      });
    }
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
