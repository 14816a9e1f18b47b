// One storage interface, two implementations: PGlite (embedded, the default) and a PostgreSQL server.
// Handlers reach partner-owned tables only through `scoped`, which runs the transaction as the restricted
// `tessera_app` role with the caller's partner and environment set, so row-level security backs up the
// WHERE clause of every query.

export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export type Environment = 'test' | 'live';

export interface Scope {
  readonly partnerId: string;
  readonly environment: Environment;
}

export interface NotificationHandlers {
  onMessage(payload: string): void;
  /** The notification stream broke: anything cached on the strength of it must be dropped. */
  onLost(): void;
  onRestored(): void;
}

/** A session-level lock held on a connection of its own, for as long as that connection lives. */
export interface ExclusiveLock {
  /** Resolves when the connection (and so the lock) is lost. */
  readonly lost: Promise<void>;
  release(): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  scoped<T>(scope: Scope, work: (tx: Queryable) => Promise<T>): Promise<T>;
  listen(channel: string, handlers: NotificationHandlers): Promise<() => Promise<void>>;
  /** Takes an advisory lock if no other session holds it (undefined when one does). */
  tryExclusiveLock(lockId: number): Promise<ExclusiveLock | undefined>;
  close(): Promise<void>;
}

/** The database cannot be reached: surfaced to clients as 503 service.unavailable, never as a 500. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

export const APP_ROLE = 'tessera_app';

/** One statement that drops to the application role and sets the RLS scope for this transaction only. */
export const SCOPE_STATEMENT = `SELECT set_config('role', '${APP_ROLE}', true),
  set_config('tessera.partner_id', $1, true), set_config('tessera.environment', $2, true)`;

export async function enterScope(tx: Queryable, scope: Scope): Promise<void> {
  await tx.query(SCOPE_STATEMENT, [scope.partnerId, scope.environment]);
}
