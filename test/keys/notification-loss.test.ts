import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { PartnerClient } from '../support/client.ts';
import { type Harness, startHarness } from '../support/harness.ts';

// Revocations reach a node through LISTEN/NOTIFY. If that connection is lost, a revocation sent meanwhile
// would go unheard, so the node must drop every cached verification and read keys from the database.
describe('losing the notification connection', {
  skip: !process.env.DATABASE_URL && 'needs DATABASE_URL',
}, () => {
  let h: Harness;
  let superuser: pg.Client;
  before(async () => {
    h = await startHarness('postgres', { env: { TESSERA_KEY_CACHE_TTL_MS: '60000' } });
    superuser = new pg.Client({ connectionString: h.database.url });
    await superuser.connect();
  });
  after(async () => {
    await superuser?.end();
    await h?.close();
  });

  test('drops the key cache, so a change made without a notification is still seen', async () => {
    const key = await h.createKey(h.a.id, 'live');
    const client = new PartnerClient(h.baseUrl, key.key);
    assert.equal((await client.get('/v1/me')).status, 200, 'verified and cached (for up to 60 s)');
    assert.ok(h.tessera.keyCache.size > 0);

    const killed = await superuser.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
    );
    assert.equal(killed.rowCount, 1, 'the node had one LISTEN connection');
    const deadline = Date.now() + 5_000;
    while (h.tessera.keyCache.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(h.tessera.keyCache.size, 0, 'the cache was dropped when the connection was lost');

    // A revocation that sends no notification (as if it happened while the connection was down).
    await superuser.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [key.id]);
    const reply = await client.get('/v1/me');
    assert.equal(reply.status, 401);
    assert.equal(reply.body.code, 'auth.api_key.invalid');
  });
});
