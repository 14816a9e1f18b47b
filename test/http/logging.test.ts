import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createTessera, type Tessera } from '../../src/app.ts';
import { createLogger } from '../../src/log.ts';
import { PartnerClient, secretOf, send } from '../support/client.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { ADMIN_TOKEN, testConfig } from '../support/harness.ts';

describe('logs never carry a credential', () => {
  let database: TestDatabase;
  let tessera: Tessera;
  let baseUrl: string;
  const lines: string[] = [];

  before(async () => {
    database = await createTestDatabase('pglite');
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    tessera = await createTessera(testConfig(), { db: database.db, logger: createLogger('debug', sink) });
    baseUrl = await tessera.listen();
  });
  after(async () => {
    await tessera?.close();
    await database?.drop();
  });

  test('keys, secrets, signatures and the admin token stay out of every log line', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const partner = await send(baseUrl, '/admin/v1/partners', {
      method: 'POST',
      headers: admin,
      body: '{"name":"Log Bank"}',
    });
    const key = await send(baseUrl, `/admin/v1/partners/${partner.body.id}/keys`, {
      method: 'POST',
      headers: admin,
      body: '{"environment":"live"}',
    });
    const fullKey = String(key.body.key);
    const client = new PartnerClient(baseUrl, fullKey);
    await client.get('/v1/me');
    const signed = await client.post('/v1/quotes', { origin: 'CMN' });
    const wrong = new PartnerClient(baseUrl, `${fullKey.slice(0, -4)}AAAA`);
    await wrong.get('/v1/me');
    await client.post('/v1/quotes', { origin: 'CMN' }, { signature: 'ab'.repeat(32) });

    const log = lines.join('');
    assert.ok(lines.length >= 6, 'one line per request was logged');
    assert.match(log, /"path":"\/v1\/me"/);
    for (const secret of [secretOf(fullKey), fullKey.slice(0, -4), ADMIN_TOKEN, 'ab'.repeat(32)]) {
      assert.ok(!log.includes(secret), `a credential reached the log: ${secret.slice(0, 6)}…`);
    }
    assert.equal(signed.status, 400, 'the signed request was authenticated and reached validation');
  });
});
