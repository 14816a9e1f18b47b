// Rotation without downtime: `tessera key roll ID --overlap 24h` (admin API POST /admin/v1/keys/:id/roll)
// issues a new key at once while the old one keeps working until the overlap ends, then is refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PartnerClient } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from '../support/harness.ts';
import { cliRunner, jsonErrorOf, jsonOf, type RunCli } from './run-cli.ts';

const HOUR_MS = 3_600_000;

for (const target of databaseTargets()) {
  describe(`tessera key roll (${target})`, () => {
    let h: Harness;
    let tessera: RunCli;
    let offsetMs = 0;
    before(async () => {
      h = await startHarness(target, { now: () => Date.now() + offsetMs });
      tessera = cliRunner({ TESSERA_URL: h.baseUrl, TESSERA_ADMIN_TOKEN: ADMIN_TOKEN });
    });
    after(() => h?.close());

    test('the old key works through the overlap and is refused after it; the new one keeps working', async () => {
      const old = await h.createKey(h.a.id, 'live', { name: 'Booking engine', scopes: ['quotes:read'] });
      const run = await tessera('key', 'roll', old.id, '--overlap', '24h', '--json');
      assert.equal(run.code, 0, run.stderr);
      const rolled = jsonOf(run);
      assert.match(String(rolled.key), /^sk_live_[0-9A-Za-z]{8}_[0-9A-Za-z]{48}$/);
      assert.notEqual(rolled.prefix, old.prefix);
      assert.equal(rolled.name, 'Booking engine');
      assert.deepEqual(rolled.scopes, ['quotes:read']);
      const previous = rolled.previous as { prefix: string; expires_at: string };
      assert.equal(previous.prefix, old.prefix);
      const overlap = Date.parse(previous.expires_at) - Date.now();
      assert.ok(overlap > 23.9 * HOUR_MS && overlap <= 24 * HOUR_MS, `${overlap} ms`);

      const oldClient = new PartnerClient(h.baseUrl, old.key);
      const newClient = new PartnerClient(h.baseUrl, String(rolled.key));
      assert.equal((await oldClient.get('/v1/me')).status, 200, 'the old key still works');
      assert.equal((await newClient.get('/v1/me')).status, 200, 'the new key works at once');

      offsetMs = 24 * HOUR_MS + 60_000;
      const refused = await oldClient.get('/v1/me');
      assert.equal(refused.status, 401, 'the old key has expired');
      assert.equal(refused.body.code, 'auth.api_key.invalid');
      assert.equal((await newClient.get('/v1/me')).status, 200);
      offsetMs = 0;

      const events = await h.tessera.db.query<{ action: string; detail: Record<string, unknown> }>(
        `SELECT action, detail FROM audit_events WHERE partner_id = $1 AND action = 'key.rolled'`,
        [h.a.id],
      );
      assert.equal(events.length, 1);
      assert.equal(events[0]?.detail.prefix, old.prefix);
      assert.equal(events[0]?.detail.new_prefix, rolled.prefix);
    });

    test('the overlap is bounded to 7 days, and a revoked key cannot be rolled', async () => {
      const key = await h.createKey(h.a.id, 'test');
      for (const overlap of ['8d', '0m', '24', 'soon']) {
        const run = await tessera('key', 'roll', key.id, '--overlap', overlap);
        assert.equal(run.code, 2, overlap);
        assert.match(run.stderr, /--overlap must be a duration like 30m, 24h or 7d/);
      }
      const api = await h.admin('POST', `/admin/v1/keys/${key.id}/roll`, { overlap_seconds: 8 * 86_400 });
      assert.equal(api.status, 400);
      assert.equal(api.body.code, 'request.invalid');
      await h.admin('POST', `/admin/v1/keys/${key.id}/revoke`);
      const revoked = await tessera('key', 'roll', key.id, '--overlap', '1h', '--json');
      assert.equal(revoked.code, 1);
      assert.equal(jsonErrorOf(revoked).code, 'key.revoked');
    });
  });
}
