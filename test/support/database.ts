// Test databases: a fresh in-memory PGlite, or (when DATABASE_URL is set) a fresh database created on that
// PostgreSQL server and dropped afterwards, so test files running side by side never share state.
import pg from 'pg';
import { randomBase62 } from '../../src/crypto.ts';
import type { Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { openMigratedPglite } from './pglite-template.ts';
import { migrationsKey } from './template-key.ts';

export type DatabaseTarget = 'pglite' | 'postgres';

/** The storage targets this run covers: PGlite always, PostgreSQL when DATABASE_URL is set. */
export function databaseTargets(): DatabaseTarget[] {
  return process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export interface TestDatabase {
  db: Database;
  /** The connection string of the fresh PostgreSQL database (postgres target only). */
  url: string | undefined;
  drop(): Promise<void>;
}

export async function createTestDatabase(target: DatabaseTarget): Promise<TestDatabase> {
  if (target === 'pglite') {
    const db = await openMigratedPglite();
    return { db, url: undefined, drop: () => db.close() };
  }
  const url = await createPostgresDatabase(await migratedPostgresTemplate());
  const db = await openPostgres(url);
  await migrate(db);
  return {
    db,
    url,
    async drop() {
      await db.close();
      await dropPostgresDatabase(url);
    },
  };
}

/** A new, empty database on the DATABASE_URL server (or a copy of `template`); returns its URL. */
export async function createPostgresDatabase(template?: string): Promise<string> {
  const name = `tessera_t_${randomBase62(10).toLowerCase()}`;
  // Names are generated here or by migratedPostgresTemplate(), never taken from input.
  await onServer((admin) => admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`));
  return databaseUrl(name);
}

let postgresTemplate: Promise<string> | undefined;

/**
 * A database with every migration applied, made once per migration set and kept on the server, for
 * CREATE DATABASE … TEMPLATE: a copy costs a fraction of running the migrations again. It is built under
 * another name and renamed when complete, so test processes starting together never copy half of one.
 */
function migratedPostgresTemplate(): Promise<string> {
  postgresTemplate ??= buildPostgresTemplate().catch((error: unknown) => {
    postgresTemplate = undefined;
    throw error;
  });
  return postgresTemplate;
}

async function buildPostgresTemplate(): Promise<string> {
  const name = `tessera_template_${migrationsKey()}`;
  const exists = await onServer((admin) =>
    admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]),
  );
  if (exists.rowCount) return name;

  const building = new URL(await createPostgresDatabase()).pathname.slice(1);
  const db = await openPostgres(databaseUrl(building));
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
  await onServer(async (admin) => {
    try {
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
    } catch (error) {
      // Another test process finished the same template first: use theirs.
      if ((error as { code?: string }).code !== '42P04') throw error;
      await admin.query(`DROP DATABASE ${building}`);
    }
  });
  return name;
}

async function onServer<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('DATABASE_URL is not set');
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

function databaseUrl(name: string): string {
  const url = new URL(process.env.DATABASE_URL ?? '');
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropPostgresDatabase(url: string): Promise<void> {
  if (!process.env.DATABASE_URL) return;
  const name = new URL(url).pathname.slice(1);
  await onServer((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
