// A server command that cannot reach its PostgreSQL server ends with one line saying which server and what
// to check, not a stack trace. The URL is shown without its user and password.
import { type CliIo, writeError } from './output.ts';

/** `host:port/database` of DATABASE_URL, never its credentials; undefined when it cannot be read. */
export function describeDatabaseUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return undefined;
  }
}

export function databaseUnreachable(io: CliIo, json: boolean): number {
  const where = describeDatabaseUrl(io.env.DATABASE_URL?.trim() || undefined);
  const message =
    where === undefined
      ? 'cannot open the database; check TESSERA_DATA_DIR'
      : `cannot reach the PostgreSQL server at ${where} (DATABASE_URL); check that it is running and that the URL is right`;
  writeError(io, { code: 'database.unavailable', message, request_id: null }, json);
  return 1;
}
