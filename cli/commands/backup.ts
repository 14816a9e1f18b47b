// tessera backup FILE / tessera restore FILE: the embedded default's data directory as one file. On
// PostgreSQL, backups belong to the database's own tools (CloudNativePG, pg_dump): see docs/operations.md.
import { type Config, ConfigError, loadConfig } from '../../src/config.ts';
import { BackupError, backupPglite, restorePglite } from '../../src/db/backup.ts';
import { parseCommandArgs, UsageError, wantsJson } from '../args.ts';
import { expectOnePositional, usageError } from '../command.ts';
import { type CliIo, writeError, writeJson, writeLines } from '../output.ts';

export const BACKUP_USAGE = `Usage:
  tessera backup FILE [--json]
  tessera restore FILE [--json]

  The embedded default (PGlite in TESSERA_DATA_DIR) only, with the node stopped. backup writes the whole
  database to FILE (gzipped tar, mode 0600: it holds key hashes and the audit signing keys); restore loads
  FILE into an empty TESSERA_DATA_DIR and refuses to overwrite a database. With DATABASE_URL set, use
  CloudNativePG's backups or pg_dump/pg_restore instead (docs/operations.md).
`;

type Operation = 'backup' | 'restore';

export async function runBackup(operation: Operation, argv: string[], io: CliIo): Promise<number> {
  const json = wantsJson(argv);
  let file: string;
  try {
    const args = parseCommandArgs(argv);
    if (args.help) {
      io.stdout.write(BACKUP_USAGE);
      return 0;
    }
    file = expectOnePositional(args, 'FILE');
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, BACKUP_USAGE, error.message, json);
    throw error;
  }
  let config: Config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    writeError(io, { code: 'config.invalid', message: error.message, request_id: null }, json);
    return 1;
  }
  if (config.databaseUrl) {
    const message = `tessera ${operation} works on the embedded default; on PostgreSQL use pg_dump/pg_restore or CloudNativePG (docs/operations.md)`;
    writeError(io, { code: `${operation}.postgres`, message, request_id: null }, json);
    return 1;
  }
  try {
    const result =
      operation === 'backup'
        ? await backupPglite(config.dataDir, file)
        : { file, ...(await restorePglite(config.dataDir, file)) };
    if (json) writeJson(io, { operation, data_dir: config.dataDir, ...result });
    else
      writeLines(io, [
        `${operation === 'backup' ? 'Backed up' : 'Restored'} ${config.dataDir} ${operation === 'backup' ? 'to' : 'from'} ${file}`,
      ]);
    return 0;
  } catch (error) {
    if (!(error instanceof BackupError)) throw error;
    writeError(io, { code: `${operation}.failed`, message: error.message, request_id: null }, json);
    return 1;
  }
}
