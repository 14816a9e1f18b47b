// Fresh PostgreSQL databases for benchmarks, created on the local server and dropped afterwards, so a run
// never measures (or leaves behind) another run's rows.
import pg from 'pg';
import { randomBase62 } from '../../src/crypto.ts';
import type { Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/postgres.ts';

const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDatabase {
  url: string;
  db: Database;
  drop(): Promise<void>;
}

function serverUrl(): string {
  return process.env.DATABASE_URL ?? DEFAULT_SERVER_URL;
}

async function onServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createBenchDatabase(poolSize?: number): Promise<BenchDatabase> {
  const name = `tessera_bench_${randomBase62(10).toLowerCase()}`;
  await onServer((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString(), poolSize);
  await migrate(db);
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.close();
      await onServer((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

export async function postgresVersion(): Promise<string> {
  return onServer(async (client) => {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${rows[0]?.server_version ?? 'unknown'}`;
  });
}
