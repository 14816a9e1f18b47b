// Backup and restore of the embedded default: PGlite's whole data directory as one gzipped tarball.
// A backup holds every secret the database holds (key hashes, the admin token's digest, the audit seal
// signing keys), so the file is written owner-only, and atomically, so a crash never leaves half a backup
// under the final name. PGlite is single-process: both commands run while the node is stopped.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { migrationStatus } from './migrate.ts';
import { openPglite } from './pglite.ts';

export class BackupError extends Error {
  override name = 'BackupError';
}

export interface BackupSummary {
  file: string;
  bytes: number;
}

export function pgliteDirectory(dataDir: string): string {
  return join(dataDir, 'pgdata');
}

export async function backupPglite(dataDir: string, file: string): Promise<BackupSummary> {
  if (!hasDatabase(dataDir)) throw new BackupError(`There is no Tessera database in ${dataDir}.`);
  const pg = new PGlite(pgliteDirectory(dataDir));
  let tarball: Buffer;
  try {
    await pg.waitReady;
    tarball = Buffer.from(await (await pg.dumpDataDir('gzip')).arrayBuffer());
  } finally {
    await pg.close();
  }
  const partial = `${file}.partial`;
  writeFileSync(partial, tarball, { mode: 0o600 });
  chmodSync(partial, 0o600);
  renameSync(partial, file);
  return { file, bytes: tarball.length };
}

/** Restores into an empty data directory only: a restore never overwrites a database. */
export async function restorePglite(dataDir: string, file: string): Promise<{ pendingMigrations: number }> {
  if (hasDatabase(dataDir)) {
    throw new BackupError(
      `${dataDir} already holds a database; move it away (or choose another TESSERA_DATA_DIR) to restore.`,
    );
  }
  if (!existsSync(file)) throw new BackupError(`No backup file at ${file}.`);
  mkdirSync(dataDir, { recursive: true });
  const pg = new PGlite(pgliteDirectory(dataDir), {
    loadDataDir: new Blob([readFileSync(file)]),
  });
  try {
    await pg.waitReady;
  } finally {
    await pg.close();
  }
  // Reopened the way `tessera serve` opens it, to prove the restored directory is a Tessera database.
  const db = await openPglite(dataDir);
  try {
    const plan = await migrationStatus(db);
    if (plan.problems.length > 0) throw new BackupError(plan.problems.join('\n'));
    return { pendingMigrations: plan.pending.length };
  } finally {
    await db.close();
  }
}

function hasDatabase(dataDir: string): boolean {
  const dir = pgliteDirectory(dataDir);
  return existsSync(dir) && readdirSync(dir).length > 0;
}
