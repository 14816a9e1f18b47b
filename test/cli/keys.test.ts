import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PartnerClient } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from '../support/harness.ts';
import { cliRunner, jsonOf, type RunCli } from './run-cli.ts';

const KEY_FORMAT = /^sk_test_[0-9A-Za-z]{8}_[0-9A-Za-z]{48}$/;

for (const target of databaseTargets()) {
  describe(`tessera partner and key commands (${target})`, () => {
    let h: Harness;
    let tessera: RunCli;
    before(async () => {
      h = await startHarness(target);
      tessera = cliRunner({ TESSERA_URL: h.baseUrl, TESSERA_ADMIN_TOKEN: ADMIN_TOKEN });
    });
    after(() => h?.close());

    test('a partner created, given a key, calls /v1/me with it until the key is revoked', async () => {
      const partnerRun = await tessera(
        'partner',
        'create',
        '--name',
        'Acme Travel',
        '--rate-limit',
        '600',
        '--json',
      );
      assert.equal(partnerRun.code, 0, partnerRun.stderr);
      const partner = jsonOf(partnerRun);
      assert.match(String(partner.id), /^ptn_/);
      assert.equal(partner.name, 'Acme Travel');
      assert.equal(partner.rate_limit_per_minute, 600);

      const keyRun = await tessera(
        'key',
        'create',
        '--partner',
        String(partner.id),
        '--environment',
        'test',
        '--name',
        'ci',
        '--scopes',
        'quotes:read, bookings:read',
        '--json',
      );
      assert.equal(keyRun.code, 0, keyRun.stderr);
      const key = jsonOf(keyRun);
      assert.match(String(key.id), /^key_/);
      assert.equal(key.environment, 'test');
      assert.equal(key.name, 'ci');
      assert.deepEqual(key.scopes, ['quotes:read', 'bookings:read']);
      assert.match(String(key.key), KEY_FORMAT);
      assert.equal(String(key.key).split('_')[2], key.prefix);

      const client = new PartnerClient(h.baseUrl, String(key.key));
      const me = await client.get('/v1/me');
      assert.equal(me.status, 200);
      assert.deepEqual(me.body.partner, { id: partner.id, name: 'Acme Travel' });

      const revokeRun = await tessera('key', 'revoke', String(key.id), '--json');
      assert.equal(revokeRun.code, 0, revokeRun.stderr);
      const revoked = jsonOf(revokeRun);
      assert.equal(revoked.id, key.id);
      assert.ok(revoked.revoked_at);
      assert.equal(revoked.key, undefined, 'revoking never shows a secret');

      const refused = await client.get('/v1/me');
      assert.equal(refused.status, 401);
      assert.equal(refused.body.code, 'auth.api_key.invalid');
    });

    test('regenerate prints a new working key and the old one stops working', async () => {
      const old = await h.createKey(h.a.id, 'test');
      const run = await tessera('key', 'regenerate', old.id, '--json');
      assert.equal(run.code, 0, run.stderr);
      const fresh = jsonOf(run);
      assert.equal(fresh.id, old.id);
      assert.match(String(fresh.key), KEY_FORMAT);
      assert.notEqual(fresh.key, old.key);
      assert.equal((await new PartnerClient(h.baseUrl, String(fresh.key)).get('/v1/me')).status, 200);
      assert.equal((await new PartnerClient(h.baseUrl, old.key).get('/v1/me')).status, 401);
    });

    test('human output shows a new key once, with the warning that it will not be shown again', async () => {
      const run = await tessera('key', 'create', '--partner', h.b.id, '--environment', 'test');
      assert.equal(run.code, 0, run.stderr);
      const key = run.stdout.match(/sk_test_\w{8}_\w{48}/)?.[0] ?? '';
      assert.match(key, KEY_FORMAT);
      assert.equal(run.stdout.split(key).length, 2, 'the key appears exactly once');
      assert.match(run.stdout, /shown only this once/);
      assert.equal((await new PartnerClient(h.baseUrl, key).get('/v1/me')).status, 200);
    });

    test('key list shows the partner’s keys, filtered by environment, and never a secret', async () => {
      const all = jsonOf(await tessera('key', 'list', '--partner', h.a.id, '--json'));
      const keys = all.data as Array<Record<string, unknown>>;
      assert.ok(keys.some((k) => k.id === h.a.keys.live.id));
      assert.ok(keys.every((k) => k.key === undefined));

      const live = jsonOf(
        await tessera('key', 'list', '--partner', h.a.id, '--environment', 'live', '--json'),
      );
      const liveKeys = live.data as Array<Record<string, unknown>>;
      assert.ok(liveKeys.length > 0 && liveKeys.every((k) => k.environment === 'live'));

      const table = await tessera('key', 'list', '--partner', h.a.id);
      assert.equal(table.code, 0);
      const [header, ...rows] = table.stdout.trimEnd().split('\n');
      assert.match(
        header ?? '',
        /^ID\s+PREFIX\s+ENV\s+NAME\s+SCOPES\s+CREATED\s+EXPIRES\s+LAST USED\s+STATUS$/,
      );
      assert.ok(rows.some((row) => row.startsWith(h.a.keys.live.id) && row.includes(h.a.keys.live.prefix)));
      assert.ok(!table.stdout.includes(h.a.keys.live.key));
    });

    test('partner list prints {data: [...]} with the seeded partners, and an aligned table', async () => {
      const list = jsonOf(await tessera('partner', 'list', '--json'));
      const ids = (list.data as Array<Record<string, unknown>>).map((p) => p.id);
      assert.ok(ids.includes(h.a.id) && ids.includes(h.b.id));

      const table = await tessera('partner', 'list');
      const lines = table.stdout.trimEnd().split('\n');
      assert.match(lines[0] ?? '', /^ID\s+NAME\s+RATE LIMIT\/MIN\s+CREATED$/);
      const nameColumn = (lines[0] ?? '').indexOf('NAME');
      assert.ok(
        lines.slice(1).every((line) => line.indexOf(' ') < nameColumn && line[nameColumn - 1] === ' '),
      );
    });

    test('an API refusal is exit 1 with the API’s code and request id', async () => {
      const missing = await tessera('key', 'revoke', 'key_00000000000000000000000', '--json');
      assert.equal(missing.code, 1);
      const error = JSON.parse(missing.stderr).error;
      assert.equal(error.code, 'resource.not_found');
      assert.match(error.request_id, /^req_/);

      const human = await tessera(
        'key',
        'create',
        '--partner',
        h.a.id,
        '--environment',
        'live',
        '--expires-at',
        '2000-01-01T00:00:00Z',
      );
      assert.equal(human.code, 1);
      assert.match(human.stderr, /^error: request\.invalid: .+ \(request req_\w+\)\n {2}expires_at: /);
      assert.equal(human.stdout, '');
    });
  });
}
