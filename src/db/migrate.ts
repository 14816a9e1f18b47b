// Versioned SQL migrations, applied at start in one transaction under an advisory lock, so several nodes
// starting together apply each migration exactly once.
// Each applied file's SHA-256 is recorded, and the runner refuses two things that would make databases
// drift apart silently: a file edited after it was applied, and a new file numbered below the newest
// applied one (it would run on some databases before, on others after, the migrations above it). Gaps in
// the numbering are legal. A database migrated by a newer release (versions this code does not know) is
// served as is: within a release migrations are additive, so the previous release keeps working on it.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database, Queryable } from './database.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
// An arbitrary constant naming "Tessera's migrations" in pg_advisory_xact_lock.
const MIGRATION_LOCK_ID = 7_362_514_090;

export interface Migration {
  version: string;
  sql: string;
  /** SHA-256 (hex) of the file with line endings normalised, so a CRLF checkout is the same migration. */
  checksum: string;
}

export interface AppliedMigration {
  version: string;
  /** null for rows recorded before checksums were kept; the next migrate() records them. */
  checksum: string | null;
}

export interface MigrationPlan {
  pending: Migration[];
  /** Why the files on disk cannot be applied to this database; empty when they can. */
  problems: string[];
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => migrationOf(file.replace(/\.sql$/, ''), readFileSync(`${dir}/${file}`, 'utf8')));
}

export function migrationOf(version: string, sql: string): Migration {
  const checksum = createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
  return { version, sql, checksum };
}

/** Compares the files with what the database says it applied. Pure, so every refusal is unit-tested. */
export function planMigrations(migrations: readonly Migration[], applied: readonly AppliedMigration[]) {
  const recorded = new Map(applied.map((row) => [row.version, row.checksum]));
  const newest = applied
    .map((row) => row.version)
    .sort()
    .at(-1);
  const problems: string[] = [];
  const pending: Migration[] = [];
  for (const migration of migrations) {
    const checksum = recorded.get(migration.version);
    if (checksum === undefined) {
      if (newest !== undefined && numberOf(migration.version) < numberOf(newest)) {
        problems.push(
          `Migration ${migration.version}.sql is new but numbered below ${newest}.sql, which this database ` +
            'already applied; give it a number above the newest applied migration.',
        );
      }
      pending.push(migration);
    } else if (checksum !== null && checksum !== migration.checksum) {
      problems.push(
        `Migration ${migration.version}.sql was changed after it was applied (applied sha256 ${checksum}, ` +
          `file sha256 ${migration.checksum}); migrations are immutable: restore the file and add a new one.`,
      );
    }
  }
  return { pending, problems } satisfies MigrationPlan;
}

/** What the database recorded, without changing it (a database never migrated has applied nothing). */
export async function readAppliedMigrations(db: Queryable): Promise<AppliedMigration[]> {
  const [table] = await db.query<{ has_table: boolean; has_checksum: boolean }>(
    `SELECT to_regclass('schema_migrations') IS NOT NULL AS has_table,
       EXISTS (SELECT 1 FROM information_schema.columns
                WHERE table_name = 'schema_migrations' AND column_name = 'checksum'
                  AND table_schema = current_schema()) AS has_checksum`,
  );
  if (!table?.has_table) return [];
  const checksum = table.has_checksum ? 'checksum' : 'NULL::text AS checksum';
  return db.query<AppliedMigration>(`SELECT version, ${checksum} FROM schema_migrations ORDER BY version`);
}

/** The plan for this database, read-only: what `tessera migrate --check` and the readiness probe use. */
export async function migrationStatus(
  db: Queryable,
  migrations: readonly Migration[] = loadMigrations(),
): Promise<MigrationPlan> {
  return planMigrations(migrations, await readAppliedMigrations(db));
}

export async function migrate(db: Database, migrations: Migration[] = loadMigrations()): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
      ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text`);
    const applied = await readAppliedMigrations(tx);
    const plan = planMigrations(migrations, applied);
    if (plan.problems.length > 0) throw new MigrationError(plan.problems.join('\n'));
    await recordMissingChecksums(tx, migrations, applied);
    for (const migration of plan.pending) {
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)', [
        migration.version,
        migration.checksum,
      ]);
    }
    return plan.pending.map((migration) => migration.version);
  });
}

/** Rows applied before checksums were kept take the checksum of today's file, once (trust on first use). */
async function recordMissingChecksums(
  tx: Queryable,
  migrations: readonly Migration[],
  applied: readonly AppliedMigration[],
): Promise<void> {
  const unrecorded = new Set(applied.filter((row) => row.checksum === null).map((row) => row.version));
  for (const migration of migrations.filter((m) => unrecorded.has(m.version))) {
    await tx.query('UPDATE schema_migrations SET checksum = $2 WHERE version = $1', [
      migration.version,
      migration.checksum,
    ]);
  }
}

function numberOf(version: string): number {
  return Number(version.slice(0, version.indexOf('_')));
}
