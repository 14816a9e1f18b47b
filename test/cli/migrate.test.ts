import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadMigrations } from '../../src/db/migrate.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { cliRunner, jsonOf } from './run-cli.ts';

const root = mkdtempSync(join(tmpdir(), 'tessera-migrate-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('tessera migrate --check tells a deploy pipeline pending (3), current (0) and refused (1)', async () => {
  const run = cliRunner({ TESSERA_DATA_DIR: root });
  const shipped = loadMigrations().map((migration) => migration.version);

  const fresh = await run('migrate', '--check', '--json');
  assert.equal(fresh.code, 3);
  assert.deepEqual(jsonOf({ ...fresh, code: 0 }).pending, shipped);

  const applied = await run('migrate', '--json');
  assert.equal(applied.code, 0, applied.stderr);
  assert.deepEqual(jsonOf(applied).applied, shipped);
  const current = await run('migrate', '--check');
  assert.equal(current.code, 0);
  assert.match(current.stdout, /The database is current/);

  const db = await openPglite(root);
  await db.query("UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE version = '001_core'");
  await db.close();
  const refused = await run('migrate', '--check');
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /001_core\.sql was changed after it was applied/);
  const applying = await run('migrate', '--json');
  assert.equal(applying.code, 1);
  assert.match(applying.stderr, /migrate\.refused/);
});
