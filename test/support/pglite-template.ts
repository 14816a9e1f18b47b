// Test databases on PGlite start from a migrated template instead of running initdb and every migration
// again: those cost seconds of CPU per database, and the suite opens well over a hundred. The first test
// process that needs the template builds it and saves the data directory in the temp folder, named after the
// PGlite version and the migrations' checksums, so a changed migration or an upgraded PGlite gets a new one.
// migrate() still runs on every database opened from it, so a template that does not match the files on
// disk fails the test instead of passing it on a stale schema.
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { pgliteDatabase } from '../../src/db/pglite.ts';
import { migrationsKey } from './template-key.ts';

const PREFIX = 'tessera-test-pglite-';

let template: Promise<Blob> | undefined;

/** A fresh in-memory PGlite with every migration applied. */
export async function openMigratedPglite(): Promise<Database> {
  template ??= loadOrBuildTemplate().catch((error: unknown) => {
    template = undefined;
    throw error;
  });
  const db = pgliteDatabase(await PGlite.create({ loadDataDir: await template }));
  await migrate(db);
  return db;
}

async function loadOrBuildTemplate(): Promise<Blob> {
  const name = `${PREFIX}${await templateKey()}.tar`;
  const file = join(tmpdir(), name);
  const saved = await readFile(file).catch(() => undefined);
  if (saved) return new Blob([saved]);

  const pg = await PGlite.create();
  await migrate(pgliteDatabase(pg));
  // Without a checkpoint, every database opened from the dump would replay the migrations' WAL.
  await pg.exec('CHECKPOINT');
  const dump = await pg.dumpDataDir('none');
  await pg.close();
  // Written aside and renamed, so a process reading it never sees half a file.
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
  await rename(partial, file);
  await removeStaleTemplates();
  return dump;
}

async function templateKey(): Promise<string> {
  const pglitePackage = fileURLToPath(
    new URL('../package.json', import.meta.resolve('@electric-sql/pglite')),
  );
  const { version } = JSON.parse(await readFile(pglitePackage, 'utf8')) as { version: string };
  return migrationsKey(`pglite ${version}`, 'checkpointed');
}

/** Templates of other migration sets not used for a day: other checkouts on this machine may need the rest. */
async function removeStaleTemplates(): Promise<void> {
  const dayAgo = Date.now() - 24 * 60 * 60 * 1000;
  for (const entry of await readdir(tmpdir())) {
    if (!entry.startsWith(PREFIX) || !entry.endsWith('.tar')) continue;
    const file = join(tmpdir(), entry);
    const { atimeMs, mtimeMs } = await stat(file);
    if (Math.max(atimeMs, mtimeMs) < dayAgo) await rm(file, { force: true });
  }
}
