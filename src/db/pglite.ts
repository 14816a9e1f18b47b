// The embedded default: real PostgreSQL compiled to WASM, in a data directory (or in memory for tests).
// PGlite has one connection, so its transactions run one after another; NOTIFY is delivered in-process.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import {
  type Database,
  enterScope,
  type NotificationHandlers,
  type Queryable,
  type Scope,
} from './database.ts';

export async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = new PGlite(dataDir ? `${dataDir}/pgdata` : undefined);
  await pg.waitReady;
  return pgliteDatabase(pg);
}

/** The Database over an open PGlite (tests open theirs from a migrated template); close() closes it. */
export function pgliteDatabase(pg: PGlite): Database {
  const run = async <Row>(target: Pick<PGlite, 'query'>, sql: string, params?: readonly unknown[]) =>
    (await target.query<Row>(sql, params ? [...params] : undefined)).rows;

  // PGlite is one session in this process: a lock is held by whoever in the process took it first.
  const heldLocks = new Set<number>();
  const database: Database = {
    kind: 'pglite',
    query: (sql, params) => run(pg, sql, params),
    exec: async (sql) => {
      await pg.exec(sql);
    },
    transaction: (work) =>
      pg.transaction((tx) =>
        work({
          query: (sql, params) => run(tx, sql, params),
          exec: async (sql) => {
            await tx.exec(sql);
          },
        }),
      ),
    scoped: <T>(scope: Scope, work: (tx: Queryable) => Promise<T>) =>
      database.transaction(async (tx) => {
        await enterScope(tx, scope);
        return work(tx);
      }),
    async listen(channel: string, handlers: NotificationHandlers) {
      const unsubscribe = await pg.listen(channel, handlers.onMessage);
      return unsubscribe;
    },
    async tryExclusiveLock(lockId: number) {
      if (heldLocks.has(lockId)) return undefined;
      heldLocks.add(lockId);
      return {
        lost: new Promise<void>(() => {}),
        release: async () => {
          heldLocks.delete(lockId);
        },
      };
    },
    close: () => pg.close(),
  };
  return database;
}
