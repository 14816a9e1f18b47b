// PostgreSQL through a `pg` pool: the production storage, shared by any number of Tessera nodes.
// Connection failures become DatabaseUnavailableError (503), and every wait is bounded so that a database
// outage makes requests fail fast instead of hanging.
import { createHash } from 'node:crypto';
import pg from 'pg';
import {
  type Database,
  DatabaseUnavailableError,
  type ExclusiveLock,
  enterScope,
  type NotificationHandlers,
  type Queryable,
  type Scope,
} from './database.ts';

const CONNECT_TIMEOUT_MS = 2_000;
const STATEMENT_TIMEOUT_MS = 15_000;
const LISTEN_RETRY_MS = 500;

export async function openPostgres(connectionString: string, poolSize = 20): Promise<Database> {
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS + 1_000,
  });
  // An idle client that loses its server emits 'error' on the pool; without a listener it would crash.
  pool.on('error', () => {});
  const listeners = new Set<() => Promise<void>>();

  const run = async <Row>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]) => {
    try {
      if (!params || params.length === 0) return (await client.query(sql)).rows as Row[];
      // Every parameterised statement is a constant string in the code, so naming it after its text lets each
      // connection parse and plan it once (PostgreSQL re-plans by itself when the role or schema changes).
      return (await client.query({ name: statementName(sql), text: sql, values: [...params] })).rows as Row[];
    } catch (error) {
      throw asUnavailable(error);
    }
  };

  const database: Database = {
    kind: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    exec: async (sql) => {
      await run(pool, sql);
    },
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect().catch((error: unknown) => {
        throw asUnavailable(error);
      });
      let broken: unknown;
      // A checked-out client whose server goes away emits 'error'; unhandled, it would crash the process.
      // The failure also surfaces on the pending query, which is where it is handled.
      const onConnectionError = (error: unknown) => {
        broken = error;
      };
      client.on('error', onConnectionError);
      try {
        await run(client, 'BEGIN');
        const result = await work({
          query: (sql, params) => run(client, sql, params),
          exec: async (sql) => {
            await run(client, sql);
          },
        });
        await run(client, 'COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        client.off('error', onConnectionError);
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    scoped: <T>(scope: Scope, work: (tx: Queryable) => Promise<T>) =>
      database.transaction(async (tx) => {
        await enterScope(tx, scope);
        return work(tx);
      }),
    async listen(channel: string, handlers: NotificationHandlers) {
      const stop = await listenForever(connectionString, channel, handlers);
      listeners.add(stop);
      return async () => {
        listeners.delete(stop);
        await stop();
      };
    },
    tryExclusiveLock: (lockId) => holdAdvisoryLock(connectionString, lockId),
    async close() {
      await Promise.all([...listeners].map((stop) => stop()));
      await pool.end();
    },
  };
  return database;
}

/** Keeps a LISTEN connection open, reconnecting after any loss and telling the handlers both ways. */
async function listenForever(
  connectionString: string,
  channel: string,
  handlers: NotificationHandlers,
): Promise<() => Promise<void>> {
  let stopped = false;
  let current: pg.Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    let lost = false;
    const onLost = () => {
      if (lost || stopped) return;
      lost = true;
      current = undefined;
      client.end().catch(() => {});
      handlers.onLost();
      retryTimer = setTimeout(() => void connect().catch(onLost), LISTEN_RETRY_MS);
    };
    client.on('error', onLost);
    client.on('end', onLost);
    client.on('notification', (message) => {
      if (message.channel === channel) handlers.onMessage(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      onLost();
      throw error;
    }
    current = client;
    handlers.onRestored();
  };

  await connect();
  return async () => {
    stopped = true;
    if (retryTimer) clearTimeout(retryTimer);
    await current?.end().catch(() => {});
  };
}

/**
 * pg_try_advisory_lock on a connection of its own: the lock lives exactly as long as that session, so a
 * node that dies (or loses the database) frees it for another. TCP keepalive makes a silently broken
 * connection count as lost too.
 */
async function holdAdvisoryLock(
  connectionString: string,
  lockId: number,
): Promise<ExclusiveLock | undefined> {
  const client = new pg.Client({
    connectionString,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
  });
  let markLost = () => {};
  const lost = new Promise<void>((resolve) => {
    markLost = resolve;
  });
  client.on('error', markLost);
  client.on('end', markLost);
  try {
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      lockId,
    ]);
    if (rows[0]?.locked) return { lost, release: () => client.end().catch(() => {}) };
  } catch (error) {
    await client.end().catch(() => {});
    throw asUnavailable(error);
  }
  await client.end().catch(() => {});
  return undefined;
}

const statementNames = new Map<string, string>();

function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `t_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    statementNames.set(sql, name);
  }
  return name;
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND']);

function asUnavailable(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  const isConnectionFailure =
    (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || /^(08|57P0)/.test(code))) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout/i.test(
      error.message,
    );
  return isConnectionFailure ? new DatabaseUnavailableError('database unavailable') : error;
}
