import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { databaseTargets } from '../support/database.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from '../support/harness.ts';
import { type CliRun, cliRunner, jsonErrorOf, jsonOf, type RunCli } from './run-cli.ts';

/** The API's `details` as text, from the CLI's JSON error output. */
function detailsOf(run: CliRun): string {
  jsonErrorOf(run);
  return JSON.stringify((JSON.parse(run.stderr) as { error: { details?: unknown } }).error.details);
}

for (const target of databaseTargets()) {
  describe(`tessera allowlist (${target})`, () => {
    let h: Harness;
    let tessera: RunCli;
    before(async () => {
      h = await startHarness(target);
      tessera = cliRunner({ TESSERA_URL: h.baseUrl, TESSERA_ADMIN_TOKEN: ADMIN_TOKEN });
    });
    after(() => h?.close());

    test('set then show round-trips CIDRs, notes and environments', async () => {
      const set = await tessera(
        'allowlist',
        'set',
        '--partner',
        h.b.id,
        '--environment',
        'live',
        '203.0.113.0/24#head office',
        '2001:db8::/32',
        '--json',
      );
      assert.equal(set.code, 0, set.stderr);
      const expected = {
        partner_id: h.b.id,
        entries: [
          { environment: 'live', cidr: '2001:db8::/32', note: '' },
          { environment: 'live', cidr: '203.0.113.0/24', note: 'head office' },
        ],
      };
      assert.deepEqual(jsonOf(set), expected);
      assert.deepEqual(jsonOf(await tessera('allowlist', 'show', '--partner', h.b.id, '--json')), expected);

      const both = await tessera('allowlist', 'set', '--partner', h.b.id, '127.0.0.1/32', '--json');
      assert.deepEqual(jsonOf(both).entries, [
        { environment: null, cidr: '127.0.0.1/32', note: '' },
        ...expected.entries,
      ]);
    });

    test('the list is enforced: a live key from outside it is refused, the test key is not', async () => {
      const set = await tessera(
        'allowlist',
        'set',
        '--partner',
        h.a.id,
        '--environment',
        'live',
        '192.0.2.0/24',
      );
      assert.equal(set.code, 0, set.stderr);
      assert.match(set.stdout, /^ENVIRONMENT\s+CIDR\s+NOTE\nlive\s+192\.0\.2\.0\/24\s+-\n/);
      assert.match(set.stdout, /test: no entries, requests from any IP address are accepted/);
      const refused = await h.a.live.get('/v1/me');
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, 'auth.ip.forbidden');
      assert.equal((await h.a.test.get('/v1/me')).status, 200);

      const cleared = await tessera(
        'allowlist',
        'set',
        '--partner',
        h.a.id,
        '--environment',
        'live',
        '--json',
      );
      assert.deepEqual(jsonOf(cleared), { partner_id: h.a.id, entries: [] });
      assert.equal((await h.a.live.get('/v1/me')).status, 200);
    });

    test('an invalid CIDR is the API’s request.invalid, exit 1', async () => {
      const run = await tessera('allowlist', 'set', '--partner', h.a.id, '300.1.2.3/8', '--json');
      assert.equal(run.code, 1);
      const error = jsonErrorOf(run);
      assert.equal(error.code, 'request.invalid');
      assert.match(String(error.request_id), /^req_/);
    });

    test('host bits are refused with the network they would be, and /0 needs --allow-any', async () => {
      const hostBits = await tessera('allowlist', 'set', '--partner', h.a.id, '1.2.3.4/0', '--json');
      assert.equal(hostBits.code, 1);
      const error = jsonErrorOf(hostBits);
      assert.equal(error.code, 'request.invalid');
      assert.match(detailsOf(hostBits), /entries\[0\]\.cidr.*the network would be 0\.0\.0\.0\/0/);
      const narrow = await tessera('allowlist', 'set', '--partner', h.a.id, '1.2.3.4/24', '--json');
      assert.match(detailsOf(narrow), /did you mean 1\.2\.3\.0\/24/i);

      const any = ['allowlist', 'set', '--partner', h.a.id, '--environment', 'test', '0.0.0.0/0'];
      const refused = await tessera(...any, '--json');
      assert.equal(refused.code, 1);
      assert.match(detailsOf(refused), /allow-any/);
      const allowed = await tessera(...any, '--allow-any', '--json');
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.deepEqual(jsonOf(allowed).entries, [{ environment: 'test', cidr: '0.0.0.0/0', note: '' }]);
      await tessera('allowlist', 'set', '--partner', h.a.id, '--environment', 'test');
    });

    test('an unknown partner is resource.not_found, and a note without a CIDR is a usage error', async () => {
      const unknown = await tessera(
        'allowlist',
        'show',
        '--partner',
        'ptn_00000000000000000000000',
        '--json',
      );
      assert.equal(unknown.code, 1);
      assert.equal(jsonErrorOf(unknown).code, 'resource.not_found');

      const noCidr = await tessera('allowlist', 'set', '--partner', h.a.id, '#just a note');
      assert.equal(noCidr.code, 2);
      assert.match(noCidr.stderr, /has no CIDR before its note/);
    });
  });
}
