// The gateway configuration is validated at start and by `tessera gateway check`, offline: each mistake is
// refused with a message naming the offending field, and a node refuses to start on one.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTessera } from '../../src/app.ts';
import { ConfigError } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { cliRunner, jsonOf } from '../cli/run-cli.ts';
import { testConfig } from '../support/harness.ts';
import { type GatewayFiles, gatewayFiles } from './support.ts';

const VALID = `upstreams:
  ledger:
    url: http://127.0.0.1:9000/base
    timeout_ms: 10000
    max_connections: 64
routes:
  - path: /v1/accounts/:account_id
    methods: [GET]
    upstream: ledger
    scope: accounts:read
  - path: /v1/transfers
    methods: [POST]
    upstream: ledger
    scope: transfers:write
`;

const MISTAKES: Array<[string, (valid: string) => string, string, RegExp]> = [
  [
    'an unknown upstream',
    (v) => v.replace('upstream: ledger\n    scope: transfers', 'upstream: ledgr\n    scope: transfers'),
    'routes[1].upstream',
    /unknown upstream "ledgr"/,
  ],
  [
    'a duplicate route',
    (v) => v.replace('/v1/transfers', '/v1/accounts/:id').replace('[POST]', '[GET]'),
    'routes[1]',
    /duplicates routes\[0\]/,
  ],
  [
    'a route colliding with a built-in one',
    (v) => v.replace('/v1/transfers', '/v1/quotes/:id'),
    'routes[1].path',
    /built-in/,
  ],
  [
    'a bad URL',
    (v) => v.replace('http://127.0.0.1:9000/base', 'ftp://127.0.0.1'),
    'upstreams.ledger.url',
    /http or https/,
  ],
  ['a missing scope', (v) => v.replace('    scope: transfers:write\n', ''), 'routes[1].scope', /missing/],
  [
    'an unreadable TLS file',
    (v) =>
      v
        .replace('http://127.0.0.1:9000/base', 'https://127.0.0.1:9000')
        .replace('max_connections: 64', 'max_connections: 64\n    tls: { ca: missing-ca.pem }'),
    'upstreams.ledger.tls.ca',
    /cannot be read/,
  ],
  [
    'a timeout longer than the idempotency lease',
    (v) => v.replace('timeout_ms: 10000', 'timeout_ms: 60000'),
    'upstreams.ledger.timeout_ms',
    /shorter than TESSERA_IDEMPOTENCY_LEASE_MS/,
  ],
  [
    'an unknown field',
    (v) => v.replace('max_connections: 64', 'max_conections: 64'),
    'upstreams.ledger.max_conections',
    /not a known field/,
  ],
  ['a method that is not one', (v) => v.replace('[POST]', '[POST, FETCH]'), 'routes[1].methods', /FETCH/],
];

describe('tessera gateway check FILE', () => {
  let files: GatewayFiles;
  const cli = cliRunner({});
  before(() => {
    files = gatewayFiles(VALID);
  });
  after(() => files.remove());

  test('a valid file: exit 0 and its routes', async () => {
    const run = await cli('gateway', 'check', files.configFile, '--json');
    assert.equal(run.code, 0, run.stderr);
    const out = jsonOf(run);
    assert.equal(out.valid, true);
    assert.deepEqual(out.upstreams, ['ledger']);
    assert.equal((out.routes as unknown[]).length, 2);
    const human = await cli('gateway', 'check', files.configFile);
    assert.match(human.stdout, /valid \(1 upstream\(s\), 2 route\(s\)\)/);
  });

  test('the same file in JSON is read the same way', async () => {
    const file = join(files.dir, 'gateway.json');
    writeFileSync(
      file,
      JSON.stringify({
        upstreams: { ledger: { url: 'http://127.0.0.1:9000' } },
        routes: [{ path: '/v1/x', methods: ['GET'], upstream: 'ledger', scope: 'x:read' }],
      }),
    );
    assert.equal((await cli('gateway', 'check', file, '--json')).code, 0);
  });

  for (const [mistake, change, field, message] of MISTAKES) {
    test(`${mistake}: exit 1, naming ${field}`, async () => {
      const file = join(files.dir, 'broken.yaml');
      const text = change(VALID);
      assert.notEqual(text, VALID, 'the mistake was made');
      writeFileSync(file, text);
      const run = await cli('gateway', 'check', file, '--json');
      assert.equal(run.code, 1);
      const { error } = jsonOf(run) as {
        error: { code: string; message: string; details: Array<{ field: string }> };
      };
      assert.equal(error.code, 'gateway.config_invalid');
      assert.equal(error.details[0]?.field, field);
      assert.match(error.message, message);
    });
  }

  test('a file that does not exist, or is not YAML: exit 1', async () => {
    assert.equal((await cli('gateway', 'check', join(files.dir, 'nope.yaml'))).code, 1);
    const file = join(files.dir, 'garbage.yaml');
    writeFileSync(file, 'upstreams: [unclosed');
    const run = await cli('gateway', 'check', file);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /neither valid YAML nor valid JSON/);
  });
});

describe('a node with a broken gateway configuration', () => {
  test('refuses to start, naming the field', async () => {
    const files = gatewayFiles(
      VALID.replace('upstream: ledger\n    scope: accounts', 'upstream: nowhere\n    scope: accounts'),
    );
    try {
      await assert.rejects(
        createTessera(
          testConfig({
            TESSERA_GATEWAY_CONFIG: files.configFile,
            TESSERA_GATEWAY_SIGNING_KEY_FILE: files.signingKeyFile,
          }),
          {
            logger: createLogger('silent'),
          },
        ),
        (error: unknown) => error instanceof ConfigError && /routes\[0\]\.upstream/.test(error.message),
      );
    } finally {
      files.remove();
    }
  });
});
