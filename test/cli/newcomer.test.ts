// What a newcomer meets first: --version, the scopes a key can have, readable id errors, changing a
// partner's rate limit, audit exports that keep the API's details and never overwrite by accident.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ALL_SCOPES } from '../../src/keys/scopes.ts';
import { databaseTargets } from '../support/database.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from '../support/harness.ts';
import { cliRunner, jsonErrorOf, jsonOf, type RunCli } from './run-cli.ts';

const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
// Characters of a regular expression that have no place in a message meant for a person.
const REGEX_SYNTAX = /[\^$\\[\]{}]/;

describe('tessera on its own', () => {
  const tessera = cliRunner({ TESSERA_URL: 'http://127.0.0.1:1', TESSERA_ADMIN_TOKEN: ADMIN_TOKEN });

  test('--version prints the package version', async () => {
    for (const flag of ['--version', '-v']) {
      const run = await tessera(flag);
      assert.equal(run.code, 0);
      assert.equal(run.stdout, `${PACKAGE.version}\n`);
    }
  });

  test('key --help lists every valid scope', async () => {
    const run = await tessera('key', '--help');
    for (const scope of ALL_SCOPES) assert.ok(run.stdout.includes(scope), `${scope} missing from key --help`);
  });

  test('a bad scope is named, with the valid ones', async () => {
    const partner = 'ptn_0mwtbffxdKfroGc30FL7tFq';
    const args = [
      'key',
      'create',
      '--partner',
      partner,
      '--environment',
      'test',
      '--scopes',
      'quotes:read,quotes',
    ];
    const run = await tessera(...args, '--json');
    assert.equal(run.code, 2);
    const { message } = jsonErrorOf(run);
    assert.match(message, /unknown scope "quotes"/);
    for (const scope of ALL_SCOPES) assert.ok(message.includes(scope), message);
  });

  test('a malformed id says what an id looks like, without a regular expression', async () => {
    for (const argv of [
      ['key', 'list', '--partner', 'acme'],
      ['key', 'revoke', 'ptn_0mwtbffxdKfroGc30FL7tFq'],
      ['partner', 'update', 'ptn_short', '--rate-limit', '10'],
      ['user', 'invite', '--partner', 'acme', '--email', 'a@b.example', '--role', 'owner'],
    ]) {
      const run = await tessera(...argv, '--json');
      assert.equal(run.code, 2, argv.join(' '));
      const { message } = jsonErrorOf(run);
      assert.match(message, /must be a (partner|key) id: "(ptn|key)_" then 23 letters or digits, e.g. /);
      assert.doesNotMatch(message, REGEX_SYNTAX);
    }
  });
});

for (const target of databaseTargets()) {
  describe(`tessera against a live server, for a newcomer (${target})`, () => {
    let h: Harness;
    let tessera: RunCli;
    let work: string;
    before(async () => {
      h = await startHarness(target);
      tessera = cliRunner({ TESSERA_URL: h.baseUrl, TESSERA_ADMIN_TOKEN: ADMIN_TOKEN });
      work = await mkdtemp(join(tmpdir(), 'tessera-cli-'));
    });
    after(async () => {
      await h?.close();
      await rm(work, { recursive: true, force: true });
    });

    test("partner update --rate-limit changes the partner's override, and 'default' removes it", async () => {
      const set = await tessera('partner', 'update', h.b.id, '--rate-limit', '120', '--json');
      assert.equal(set.code, 0, set.stderr);
      assert.equal(jsonOf(set).rate_limit_per_minute, 120);
      const shown = jsonOf(await tessera('partner', 'list', '--json')).data as Array<Record<string, unknown>>;
      assert.equal(shown.find((p) => p.id === h.b.id)?.rate_limit_per_minute, 120);
      const reset = await tessera('partner', 'update', h.b.id, '--rate-limit', 'default', '--json');
      assert.equal(jsonOf(reset).rate_limit_per_minute, null);
      const unknown = await tessera(
        'partner',
        'update',
        'ptn_00000000000000000000000',
        '--rate-limit',
        '5',
        '--json',
      );
      assert.equal(unknown.code, 1);
      assert.equal(jsonErrorOf(unknown).code, 'resource.not_found');
    });

    test("audit export reports the API's details for a bad period", async () => {
      const out = join(work, 'bad.jsonl');
      const args = ['--partner', h.a.id, '--from', 'yesterday', '--to', '2026-01-01T00:00:00Z', '--out', out];
      const run = await tessera('audit', 'export', ...args, '--json');
      assert.equal(run.code, 1);
      const error = JSON.parse(run.stderr).error as { code: string; details?: Array<{ field: string }> };
      assert.equal(error.code, 'request.invalid');
      assert.ok(
        error.details?.some((detail) => detail.field.includes('from')),
        run.stderr,
      );
      const human = await tessera('audit', 'export', ...args);
      assert.match(human.stderr, /^error: request\.invalid: .+\n {2}\S*from\S*: /);
    });

    test('audit export refuses to overwrite an existing file without --force', async () => {
      const out = join(work, 'events.jsonl');
      await writeFile(out, 'an earlier export\n');
      const period = ['--partner', h.a.id, '--from', '2020-01-01T00:00:00Z', '--to', '2100-01-01T00:00:00Z'];
      const refused = await tessera('audit', 'export', ...period, '--out', out, '--json');
      assert.equal(refused.code, 1);
      assert.equal(jsonErrorOf(refused).code, 'cli.file_exists');
      assert.match(jsonErrorOf(refused).message, /--force/);
      assert.equal(await readFile(out, 'utf8'), 'an earlier export\n');

      const forced = await tessera('audit', 'export', ...period, '--out', out, '--force', '--json');
      assert.equal(forced.code, 0, forced.stderr);
      assert.notEqual(await readFile(out, 'utf8'), 'an earlier export\n');
      const again = await tessera('audit', 'export', ...period, '--out', out, '--json');
      assert.equal(jsonErrorOf(again).code, 'cli.file_exists', 'the manifest written alongside is kept too');
    });
  });
}
