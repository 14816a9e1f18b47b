import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { isErrorCode } from '../../src/errors.ts';
import { secretOf, signRequest } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from '../support/harness.ts';

interface RawReply {
  status: number;
  body: string;
}

/** node:http rather than fetch: fetch refuses odd methods and headers that an attacker can still send. */
function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
) {
  return new Promise<RawReply>((resolve, reject) => {
    const url = new URL(baseUrl);
    const length = body ? { 'content-length': String(body.length) } : {};
    const options = {
      host: url.hostname,
      port: url.port,
      method,
      path,
      headers: { ...headers, ...length },
      agent: false,
    };
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('request hung')));
    if (body) req.write(body);
    req.end();
  });
}

const paths = fc.oneof(
  fc.constantFrom(
    '/v1/me',
    '/v1/quotes',
    '/v1/bookings',
    '/v1/bookings?limit=5',
    '/admin/v1/partners',
    '/v1/audit-events',
  ),
  fc
    .tuple(
      fc.constantFrom('/v1/quotes/', '/v1/bookings/', '/admin/v1/keys/', '/admin/v1/partners/'),
      fc.string({ maxLength: 40 }),
    )
    .map(([base, tail]) => base + encodeURIComponent(tail)),
  fc
    .tuple(
      fc.constantFrom('/v1/bookings?', '/v1/audit-events?'),
      fc.dictionary(
        fc.constantFrom('limit', 'starting_after', 'from', 'to', 'format'),
        fc.string({ maxLength: 30 }),
      ),
    )
    .map(([base, query]) => base + new URLSearchParams(query).toString()),
  fc.webPath().map((p) => p || '/'),
);

const jsonBodies = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc
    .record({
      origin: fc.oneof(fc.constantFrom('CMN', 'CDG', 'cmn'), fc.string({ maxLength: 5 })),
      destination: fc.oneof(fc.constantFrom('LHR', 'CMN'), fc.string({ maxLength: 5 })),
      departure_date: fc.oneof(fc.constant('2030-01-01'), fc.string({ maxLength: 12 }), fc.integer()),
      passengers: fc.oneof(
        fc.record({ adults: fc.integer({ min: -2, max: 12 }), children: fc.integer({ min: -1, max: 10 }) }),
        fc.anything(),
      ),
    })
    .map((value) => JSON.stringify(value)),
  fc
    .record({
      quote_id: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('quo_0000000000000000000000')),
      travellers: fc.array(
        fc.record({ first_name: fc.string(), last_name: fc.string(), birth_date: fc.string() }),
        { maxLength: 4 },
      ),
      contact: fc.record({ email: fc.string() }),
    })
    .map((value) => JSON.stringify(value)),
);

const requests = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
  path: paths,
  auth: fc.constantFrom('valid', 'admin', 'none', 'garbage', 'wrong-env'),
  sign: fc.boolean(),
  contentType: fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    '',
  ),
  body: fc.oneof(
    jsonBodies,
    fc.string({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
  ),
  idempotencyKey: fc.oneof(fc.uuid({ version: 4 }), fc.string({ maxLength: 40 })),
  timestamp: fc.oneof(fc.constant('now'), fc.string({ maxLength: 14 }), fc.integer().map(String)),
});

for (const target of databaseTargets()) {
  describe(`fuzzing headers, paths, query strings and bodies (${target})`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(target, {
        env: { TESSERA_AUTH_FAILURE_LIMIT: '1000000', TESSERA_RATE_LIMIT_PER_MINUTE: '1000000' },
      });
    });
    after(() => h?.close());

    test('never a 5xx, never an error outside the catalogue, never a crash', async () => {
      await fc.assert(
        fc.asyncProperty(requests, async (r) => {
          const headers: Record<string, string> = {};
          const key =
            r.auth === 'wrong-env' ? h.a.keys.live.key.replace('sk_live_', 'sk_test_') : h.a.keys.live.key;
          if (r.auth === 'valid' || r.auth === 'wrong-env') headers.authorization = `Bearer ${key}`;
          if (r.auth === 'admin') headers.authorization = `Bearer ${ADMIN_TOKEN}`;
          if (r.auth === 'garbage') headers.authorization = `Bearer sk_live_${'\u00e9'.repeat(3)}`;
          const hasBody = !['GET', 'HEAD', 'OPTIONS'].includes(r.method);
          if (hasBody && r.contentType) headers['content-type'] = r.contentType;
          headers['idempotency-key'] = r.idempotencyKey;
          const timestamp = r.timestamp === 'now' ? String(Math.floor(Date.now() / 1000)) : r.timestamp;
          headers['x-timestamp'] = timestamp;
          if (r.sign) {
            headers['x-signature'] = signRequest({
              secret: secretOf(key),
              method: r.method,
              path: r.path,
              body: hasBody ? r.body : '',
              timestamp,
            });
          }
          const reply = await rawRequest(
            h.baseUrl,
            r.method,
            r.path,
            headers,
            hasBody ? Buffer.from(r.body, 'latin1') : undefined,
          );
          assert.ok(
            reply.status < 500,
            `${r.method} ${r.path} → ${reply.status} ${reply.body.slice(0, 200)}`,
          );
          if (reply.status >= 400 && r.method !== 'HEAD') {
            const body = JSON.parse(reply.body) as {
              code?: unknown;
              message?: unknown;
              request_id?: unknown;
            };
            assert.ok(isErrorCode(body.code), `code outside the catalogue: ${String(body.code)}`);
            assert.equal(typeof body.message, 'string');
            assert.match(String(body.request_id), /^req_/);
          }
        }),
        { numRuns: 400, interruptAfterTimeLimit: 60_000 },
      );
      assert.equal((await h.a.live.get('/v1/me')).status, 200, 'the server is still up and serving');
    });
  });
}
