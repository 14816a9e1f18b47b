// Test databases: a fresh in-memory PGlite, or (when DATABASE_URL is set) a fresh database created on that
// PostgreSQL server and dropped afterwards, so test files running side by side never share state.
import pg from 'pg';
import { randomBase62 } from '../../src/crypto.ts';
import type { Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';

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
    const db = await openPglite(undefined);
    await migrate(db);
    return { db, url: undefined, drop: () => db.close() };
  }
  const url = await createPostgresDatabase();
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

export async function createPostgresDatabase(): Promise<string> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('DATABASE_URL is not set');
  const name = `tessera_t_${randomBase62(10).toLowerCase()}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropPostgresDatabase(url: string): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) return;
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
