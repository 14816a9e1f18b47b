import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createTessera } from '../../src/app.ts';
import { sealChangedChains } from '../../src/audit/seal.ts';
import { openDatabase } from '../../src/db/open.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { createLogger } from '../../src/log.ts';
import { testSigningKey } from '../audit/audit-support.ts';
import { cliRunner, jsonOf } from '../cli/run-cli.ts';
import { PartnerClient } from '../support/client.ts';
import { createPostgresDatabase, dropPostgresDatabase } from '../support/database.ts';
import { ADMIN_TOKEN, type Harness, startHarness, testConfig } from '../support/harness.ts';

/** Gives the log something to verify: a partner, a key, an accepted and a rejected request, and a seal. */
async function makeHistory(h: Pick<Harness, 'a' | 'baseUrl'>): Promise<void> {
  assert.equal((await h.a.test.get('/v1/me')).status, 200);
  assert.equal((await new PartnerClient(h.baseUrl, `${h.a.keys.test.key}x`).get('/v1/me')).status, 401);
}

const verifyDatabaseAt = async (url: string) =>
  cliRunner({ TESSERA_ADMIN_TOKEN: ADMIN_TOKEN })('audit', 'verify', '--database', '--url', url, '--json');

describe('tessera backup / tessera restore (embedded default)', () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-backup-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('a restored data directory serves the same keys and its audit log verifies', async () => {
    const source = join(root, 'source');
    const restored = join(root, 'restored');
    const file = join(root, 'tessera.backup.tgz');
    const db = await openDatabase({ dataDir: source, databaseUrl: undefined });
    const h = await startHarness('pglite', { database: { db, url: undefined, drop: () => db.close() } });
    await makeHistory(h);
    await sealChangedChains(db, await testSigningKey());
    await h.close();
    await db.close();

    const backup = await cliRunner({ TESSERA_DATA_DIR: source })('backup', file, '--json');
    assert.equal(backup.code, 0, backup.stderr);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'a backup holds secrets: owner-only');
    const restore = await cliRunner({ TESSERA_DATA_DIR: restored })('restore', file, '--json');
    assert.equal(restore.code, 0, restore.stderr);
    assert.equal(jsonOf(restore).pendingMigrations, 0);

    const again = await cliRunner({ TESSERA_DATA_DIR: restored })('restore', file, '--json');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already holds a database/);

    const second = await createTessera(testConfig({ TESSERA_DATA_DIR: restored }), {
      logger: createLogger('silent'),
    });
    try {
      const url = await second.listen();
      assert.equal((await new PartnerClient(url, h.a.keys.test.key).get('/v1/me')).status, 200);
      const verified = await verifyDatabaseAt(url);
      assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    } finally {
      await second.close();
    }
  });

  test('refuses to run against PostgreSQL, pointing at pg_dump', async () => {
    const run = await cliRunner({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/x' })(
      'backup',
      '/tmp/x',
      '--json',
    );
    assert.equal(run.code, 1);
    assert.match(run.stderr, /pg_dump/);
  });
});

describe('PostgreSQL: pg_dump / pg_restore round trip', {
  skip: !process.env.DATABASE_URL && 'needs DATABASE_URL',
}, () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-pgdump-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('a restored database serves the same keys and tessera audit verify --database passes', async () => {
    const h = await startHarness('postgres');
    const sourceUrl = h.database.url ?? '';
    await makeHistory(h);
    await sealChangedChains(h.tessera.db, await testSigningKey());
    await h.tessera.close();
    const dump = join(root, 'tessera.dump');
    execFileSync('pg_dump', ['--format=custom', `--file=${dump}`, `--dbname=${sourceUrl}`]);
    const targetUrl = await createPostgresDatabase();
    try {
      execFileSync('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${targetUrl}`, dump]);
      const db = await openPostgres(targetUrl);
      const database = { db, url: targetUrl, drop: async () => db.close() };
      const restored = await startHarness('postgres', { database });
      try {
        assert.equal(
          (await new PartnerClient(restored.baseUrl, h.a.keys.test.key).get('/v1/me')).status,
          200,
        );
        const verified = await verifyDatabaseAt(restored.baseUrl);
        assert.equal(verified.code, 0, verified.stdout + verified.stderr);
      } finally {
        await restored.close();
      }
    } finally {
      await h.database.drop();
      await dropPostgresDatabase(targetUrl);
    }
  });
});
