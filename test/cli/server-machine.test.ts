// Commands run on the server machine: replacing a lost generated admin token against the database, and
// `tessera serve` with a PostgreSQL server that cannot be reached (one line, not a stack trace).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTessera } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/open.ts';
import { createPostgresDatabase, databaseTargets, dropPostgresDatabase } from '../support/database.ts';
import { freePort } from '../support/ports.ts';
import { cliRunner, jsonOf } from './run-cli.ts';

const ENTRY = fileURLToPath(new URL('../../cli/entry.ts', import.meta.url));
const run = promisify(execFile);

/** Starts a node on the database in `env` with no TESSERA_ADMIN_TOKEN, calls `use`, and stops it. */
async function withNode<T>(
  env: Record<string, string>,
  use: (url: string, generated: string | undefined) => Promise<T>,
): Promise<T> {
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', TESSERA_LOG_LEVEL: 'silent', ...env });
  const tessera = await createTessera(config);
  try {
    return await use(await tessera.listen(), tessera.generatedAdminToken);
  } finally {
    await tessera.close();
  }
}

async function partnersStatus(url: string, token: string): Promise<number> {
  const response = await fetch(`${url}/admin/v1/partners`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

for (const target of databaseTargets()) {
  describe(`tessera admin-token reset (${target})`, () => {
    let env: Record<string, string>;
    let cleanup: () => Promise<void>;
    before(async () => {
      if (target === 'postgres') {
        const url = await createPostgresDatabase();
        env = { DATABASE_URL: url };
        cleanup = () => dropPostgresDatabase(url);
      } else {
        const dir = await mkdtemp(join(tmpdir(), 'tessera-admin-token-'));
        env = { TESSERA_DATA_DIR: dir };
        cleanup = () => rm(dir, { recursive: true, force: true });
      }
    });
    after(() => cleanup?.());

    test('replaces a lost generated token: the old one is refused and the new one works', async () => {
      const lost = await withNode(env, async (url, generated) => {
        assert.ok(generated, 'a token is generated at first start');
        assert.equal(await partnersStatus(url, generated), 200);
        return generated;
      });

      const reset = await cliRunner(env)('admin-token', 'reset', '--json');
      assert.equal(reset.code, 0, reset.stderr);
      const replacement = String(jsonOf(reset).admin_token);
      assert.match(replacement, /^tsa_[\w-]{32,}$/);
      assert.ok(!reset.stdout.includes(lost));

      await withNode(env, async (url, generated) => {
        assert.equal(
          generated,
          undefined,
          'the restarted node keeps the stored token, it does not generate one',
        );
        assert.equal(await partnersStatus(url, lost), 401);
        assert.equal(await partnersStatus(url, replacement), 200);
      });

      const db = await openDatabase(loadConfig({ ...env }));
      try {
        const events = await db.query<{ actor_type: string }>(
          "SELECT actor_type FROM audit_events WHERE action = 'admin_token.reset'",
        );
        assert.deepEqual(
          events.map((event) => event.actor_type),
          ['system'],
        );
      } finally {
        await db.close();
      }
    });
  });
}

describe('tessera serve with an unreachable DATABASE_URL', () => {
  test('exits 1 with one line naming the server, without a stack trace or the password', async () => {
    const port = await freePort();
    const env = {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      DATABASE_URL: `postgres://tessera:do-not-print-this@127.0.0.1:${port}/tessera`,
      TESSERA_ADMIN_TOKEN: 'server-machine-admin-token-0123456789abcdef',
    };
    for (const json of [false, true]) {
      const args = ['--import', 'tsx', ENTRY, 'serve', ...(json ? ['--json'] : [])];
      const failed = await run(process.execPath, args, { env }).then(
        () => assert.fail('serve should have failed'),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      assert.equal(failed.code, 1);
      assert.equal(failed.stdout, '');
      const lines = failed.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, failed.stderr);
      assert.ok(!failed.stderr.includes('do-not-print-this'));
      const expected = `cannot reach the PostgreSQL server at 127.0.0.1:${port}/tessera`;
      if (json) assert.ok(String(JSON.parse(lines[0] ?? '').error.message).startsWith(expected));
      else assert.ok(lines[0]?.startsWith(`error: database.unavailable: ${expected}`), lines[0]);
    }
  });
});
