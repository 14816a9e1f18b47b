import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  loadMigrations,
  MigrationError,
  migrate,
  migrationOf,
  migrationStatus,
  planMigrations,
} from '../../src/db/migrate.ts';
import { createTestDatabase, databaseTargets } from '../support/database.ts';

const files = [
  migrationOf('001_core', 'CREATE TABLE t1 (id int);'),
  migrationOf('002_more', 'CREATE TABLE t2 (id int);'),
  migrationOf('004_after_gap', 'CREATE TABLE t4 (id int);'),
];
const applied = (...versions: string[]) =>
  versions.map((version) => ({
    version,
    checksum: files.find((f) => f.version === version)?.checksum ?? null,
  }));

describe('the migration plan', () => {
  test('pending files are applied in order, and a gap in the numbering is legal', () => {
    const plan = planMigrations(files, applied('001_core'));
    assert.deepEqual(
      plan.pending.map((m) => m.version),
      ['002_more', '004_after_gap'],
    );
    assert.deepEqual(plan.problems, []);
  });

  test('a file changed after it was applied is refused, naming the file', () => {
    const edited = [migrationOf('001_core', 'CREATE TABLE t1 (id bigint);'), ...files.slice(1)];
    const plan = planMigrations(edited, applied('001_core', '002_more'));
    assert.equal(plan.problems.length, 1);
    assert.match(plan.problems[0] ?? '', /001_core\.sql was changed after it was applied/);
  });

  test('a new file numbered below the newest applied one is refused; one filling an old gap too', () => {
    const late = [...files, migrationOf('003_late', 'CREATE TABLE t3 (id int);')];
    const plan = planMigrations(late, applied('001_core', '002_more', '004_after_gap'));
    assert.equal(plan.problems.length, 1);
    assert.match(plan.problems[0] ?? '', /003_late\.sql is new but numbered below 004_after_gap\.sql/);
  });

  test('a CRLF checkout is the same migration; rows without a checksum are not refused', () => {
    assert.equal(
      migrationOf('001_core', 'A;\r\nB;\r\n').checksum,
      migrationOf('001_core', 'A;\nB;\n').checksum,
    );
    const plan = planMigrations(files, [{ version: '001_core', checksum: null }]);
    assert.deepEqual(plan.problems, []);
  });

  test('versions applied by a newer release are served as they are (a rolling upgrade)', () => {
    const plan = planMigrations(files.slice(0, 2), applied('001_core', '002_more', '004_after_gap'));
    assert.deepEqual(plan, { pending: [], problems: [] });
  });
});

for (const target of databaseTargets()) {
  describe(`migrating a ${target} database`, () => {
    const dirs: string[] = [];
    after(() => {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });
    const folderWith = (entries: Record<string, string>) => {
      const dir = mkdtempSync(join(tmpdir(), 'tessera-migrations-'));
      dirs.push(dir);
      for (const [name, sql] of Object.entries(entries)) writeFileSync(join(dir, name), sql);
      return dir;
    };

    test('records checksums, then refuses an edited file and an out-of-order one with a clear message', async () => {
      const database = await createTestDatabase(target);
      try {
        const { db } = database;
        const v1 = folderWith({ '020_extra.sql': 'CREATE TABLE extra_020 (id int);' });
        const shipped = loadMigrations();
        assert.deepEqual(await migrate(db, [...shipped, ...loadMigrations(v1)]), ['020_extra']);
        const [row] = await db.query<{ checksum: string }>(
          "SELECT checksum FROM schema_migrations WHERE version = '020_extra'",
        );
        assert.match(row?.checksum ?? '', /^[0-9a-f]{64}$/);

        const edited = folderWith({ '020_extra.sql': 'CREATE TABLE extra_020 (id bigint);' });
        await assert.rejects(migrate(db, [...shipped, ...loadMigrations(edited)]), (error: unknown) => {
          assert.ok(error instanceof MigrationError);
          assert.match(error.message, /020_extra\.sql was changed after it was applied/);
          return true;
        });

        const late = folderWith({
          '020_extra.sql': 'CREATE TABLE extra_020 (id int);',
          '019_late.sql': 'CREATE TABLE late_019 (id int);',
        });
        await assert.rejects(migrate(db, [...shipped, ...loadMigrations(late)]), /019_late\.sql is new but/);
        const [table] = await db.query<{ exists: boolean }>(
          "SELECT to_regclass('late_019') IS NOT NULL AS exists",
        );
        assert.equal(table?.exists, false, 'nothing of a refused run is applied');

        const status = await migrationStatus(db, [...shipped, ...loadMigrations(v1)]);
        assert.deepEqual(status, { pending: [], problems: [] });
      } finally {
        await database.drop();
      }
    });

    test('a database migrated before checksums were kept gets them recorded, once', async () => {
      const database = await createTestDatabase(target);
      try {
        const { db } = database;
        await db.exec('ALTER TABLE schema_migrations DROP COLUMN checksum');
        assert.deepEqual(await migrate(db), []);
        const rows = await db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM schema_migrations WHERE checksum IS NULL',
        );
        assert.equal(rows[0]?.n, 0);
      } finally {
        await database.drop();
      }
    });
  });
}
