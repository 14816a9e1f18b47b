import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { databaseTargets } from '../support/database.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from '../support/harness.ts';
import { cliRunner, jsonErrorOf, jsonOf, type RunCli } from './run-cli.ts';

for (const target of databaseTargets()) {
  describe(`tessera against the admin API: credentials, reachability, JSON (${target})`, () => {
    let h: Harness;
    let tessera: RunCli;
    before(async () => {
      h = await startHarness(target);
      tessera = cliRunner({ TESSERA_URL: h.baseUrl, TESSERA_ADMIN_TOKEN: ADMIN_TOKEN });
    });
    after(() => h?.close());

    test('a wrong admin token is exit 1 with admin.token.invalid, and neither token is printed', async () => {
      const wrong = 'wrong-admin-token-do-not-print-0123456789';
      const withEnv = cliRunner({ TESSERA_URL: h.baseUrl, TESSERA_ADMIN_TOKEN: wrong });
      const json = await withEnv('partner', 'list', '--json');
      assert.equal(json.code, 1);
      const error = jsonErrorOf(json);
      assert.equal(error.code, 'admin.token.invalid');
      assert.match(String(error.request_id), /^req_/);

      const human = await tessera('partner', 'list', '--token', wrong);
      assert.equal(human.code, 1);
      assert.match(human.stderr, /^error: admin\.token\.invalid: .+ \(request req_\w+\)\n$/);
    });

    test('no admin token at all is admin.token.missing', async () => {
      const run = await cliRunner({ TESSERA_URL: h.baseUrl })('partner', 'list', '--json');
      assert.equal(run.code, 1);
      assert.equal(jsonErrorOf(run).code, 'admin.token.missing');
    });

    test('--url overrides TESSERA_URL', async () => {
      const run = await cliRunner({ TESSERA_URL: 'http://127.0.0.1:1', TESSERA_ADMIN_TOKEN: ADMIN_TOKEN })(
        'partner',
        'list',
        '--url',
        h.baseUrl,
        '--json',
      );
      assert.equal(run.code, 0, run.stderr);
    });

    test('an id is one path segment: --partner cannot address another route', async () => {
      const run = await tessera('key', 'list', '--partner', `${h.a.id}/../../partners`, '--json');
      assert.equal(run.code, 2, 'refused before anything is sent');
      assert.match(jsonErrorOf(run).message, /^--partner must be a partner id/);
    });

    test('every command answers one JSON object with --json', async () => {
      const partner = jsonOf(await tessera('partner', 'create', '--name', 'JSON Partner', '--json'));
      const id = String(partner.id);
      const key = jsonOf(await tessera('key', 'create', '--partner', id, '--environment', 'live', '--json'));
      const runs = [
        await tessera('partner', 'list', '--json'),
        await tessera('key', 'list', '--partner', id, '--json'),
        await tessera('key', 'regenerate', String(key.id), '--json'),
        await tessera('key', 'revoke', String(key.id), '--json'),
        await tessera('allowlist', 'set', '--partner', id, '10.0.0.0/8', '--json'),
        await tessera('allowlist', 'show', '--partner', id, '--json'),
      ];
      for (const run of runs) {
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stderr, '');
        jsonOf(run);
      }
    });
  });
}

describe('tessera usage', () => {
  const tessera = cliRunner({ TESSERA_URL: 'http://127.0.0.1:1', TESSERA_ADMIN_TOKEN: ADMIN_TOKEN });

  for (const argv of [
    ['help'],
    ['--help'],
    ['-h'],
    ['help', 'key'],
    ['key', '--help'],
    ['allowlist', 'set', '--help'],
  ]) {
    test(`tessera ${argv.join(' ')} prints usage and exits 0`, async () => {
      const run = await tessera(...argv);
      assert.equal(run.code, 0);
      assert.match(run.stdout, /Usage:/);
      assert.equal(run.stderr, '');
    });
  }

  for (const argv of [
    [],
    ['frobnicate'],
    ['key'],
    ['key', 'destroy'],
    ['partner', 'create'],
    ['partner', 'create', '--name', 'X', '--rate-limit', 'fast'],
    ['partner', 'list', 'extra'],
    ['partner', 'list', '--colour'],
    ['key', 'create', '--partner', 'ptn_x'],
    ['key', 'create', '--partner', 'ptn_x', '--environment', 'prod'],
    ['key', 'create', '--partner', 'ptn_x', '--environment', 'test', '--scopes', ' , '],
    ['key', 'create', '--partner', '--environment', 'test'],
    ['key', 'revoke'],
    ['key', 'regenerate', 'key_a', 'key_b'],
    ['allowlist', 'show'],
    ['user', 'invite', '--partner', 'ptn_x', '--email', 'a@b.c'],
    ['user', 'invite', '--partner', 'ptn_x', '--email', 'a@b.c', '--role', 'admin'],
    ['user', 'invite', '--partner', 'ptn_x', '--email', 'not-an-email', '--role', 'owner'],
    ['partner', 'list', '--url', 'ftp://example.com'],
    ['partner', 'list', '--url', 'http://tessera.example.com'],
  ]) {
    test(`tessera ${argv.join(' ')} is a usage error: exit 2, in JSON too`, async () => {
      const human = await tessera(...argv);
      assert.equal(human.code, 2);
      assert.equal(human.stdout, '');
      assert.match(human.stderr, /^error: cli\.usage: .+\n\nUsage/);

      const json = await tessera(...argv, '--json');
      assert.equal(json.code, 2);
      assert.deepEqual(Object.keys(jsonErrorOf(json)), ['code', 'message', 'request_id']);
    });
  }

  test('an unreachable server is exit 1 with cli.connection_failed', async () => {
    const port = await closedPort();
    const run = await cliRunner({
      TESSERA_URL: `http://127.0.0.1:${port}`,
      TESSERA_ADMIN_TOKEN: ADMIN_TOKEN,
    })('partner', 'list', '--json');
    assert.equal(run.code, 1);
    const error = jsonErrorOf(run);
    assert.equal(error.code, 'cli.connection_failed');
    assert.equal(error.request_id, null);
  });
});

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address !== null ? address.port : 1;
}
