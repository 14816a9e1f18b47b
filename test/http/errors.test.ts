import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTessera, type Tessera } from '../../src/app.ts';
import { createLogger } from '../../src/log.ts';
import { send } from '../support/client.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { ADMIN_TOKEN, testConfig } from '../support/harness.ts';

// The generic HTTP errors are the same on every storage backend, so PGlite alone covers them.
describe('every error is JSON {code, message, request_id} from the catalogue', () => {
  let database: TestDatabase;
  let tessera: Tessera;
  let baseUrl: string;
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

  before(async () => {
    database = await createTestDatabase('pglite');
    tessera = await createTessera(testConfig({ TESSERA_BODY_LIMIT_BYTES: '2048' }), {
      db: database.db,
      logger: createLogger('silent'),
    });
    tessera.app.get('/v1/boom', { config: { security: { kind: 'public' } } }, async () => {
      throw new Error('relation "partners" does not exist at SELECT * FROM partners');
    });
    baseUrl = await tessera.listen();
  });
  after(async () => {
    await tessera?.close();
    await database?.drop();
  });

  function assertError(reply: Awaited<ReturnType<typeof send>>, status: number, code: string) {
    assert.equal(reply.status, status, reply.text);
    assert.equal(reply.body.code, code);
    assert.equal(typeof reply.body.message, 'string');
    assert.match(String(reply.body.request_id), /^req_/);
    assert.equal(reply.body.request_id, reply.headers.get('x-request-id'));
    assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
  }

  test('an unknown route is 404 route.not_found', async () => {
    assertError(await send(baseUrl, '/v1/nothing-here'), 404, 'route.not_found');
    assertError(await send(baseUrl, '/'), 404, 'route.not_found');
  });

  test('a known path with the wrong method is 405 method.not_allowed with Allow', async () => {
    const reply = await send(baseUrl, '/v1/me', { method: 'DELETE' });
    assertError(reply, 405, 'method.not_allowed');
    assert.match(reply.headers.get('allow') ?? '', /GET/);
  });

  test('a body that is not JSON is 400 request.malformed_json', async () => {
    const reply = await send(baseUrl, '/admin/v1/partners', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: '{"name": "unterminated',
    });
    assertError(reply, 400, 'request.malformed_json');
  });

  test('a body over the limit is 413 request.body_too_large', async () => {
    const reply = await send(baseUrl, '/admin/v1/partners', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(5000) }),
    });
    assertError(reply, 413, 'request.body_too_large');
  });

  test('a body that is not application/json is 415 request.unsupported_media_type', async () => {
    const reply = await send(baseUrl, '/admin/v1/partners', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'text/plain' },
      body: 'name=x',
    });
    assertError(reply, 415, 'request.unsupported_media_type');
  });

  test('a schema violation is 400 request.invalid naming each field', async () => {
    const reply = await send(baseUrl, '/admin/v1/partners', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ name: '', extra: 1 }),
    });
    assertError(reply, 400, 'request.invalid');
    const fields = (reply.body.details as Array<{ field: string }>).map((d) => d.field).sort();
    assert.deepEqual(fields, ['extra', 'name']);
  });

  test('an unexpected failure is 500 internal.error with no internals', async () => {
    const reply = await send(baseUrl, '/v1/boom');
    assertError(reply, 500, 'internal.error');
    assert.doesNotMatch(reply.text, /relation|SELECT|partners|stack|at .*\.ts/);
  });

  test('every response carries the security headers', async () => {
    const reply = await send(baseUrl, '/v1/me');
    assert.equal(reply.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(reply.headers.get('cache-control'), 'no-store');
    assert.match(reply.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  });
});
