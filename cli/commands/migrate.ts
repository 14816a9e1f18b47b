// tessera migrate [--check]: the database's schema, for a deploy pipeline. `--check` changes nothing and
// says whether this release can run on the database: exit 0 current, 3 migrations pending (the release
// applies them at start), 1 refused (a changed or out-of-order migration file: the message names it).
import { ConfigError, loadConfig } from '../../src/config.ts';
import { MigrationError, migrate, migrationStatus } from '../../src/db/migrate.ts';
import { openUnmigrated } from '../../src/db/open.ts';
import { parseCommandArgs, UsageError, wantsJson } from '../args.ts';
import { expectNoPositionals, usageError } from '../command.ts';
import { type CliIo, writeError, writeJson, writeLines } from '../output.ts';

export const MIGRATE_USAGE = `Usage:
  tessera migrate [--check] [--json]

  Applies pending migrations to DATABASE_URL (or the embedded database in TESSERA_DATA_DIR), as
  tessera serve does at start. With --check it changes nothing and exits 0 when the database is current,
  3 when migrations are pending, 1 when a migration file was changed after it was applied or is new but
  numbered below the newest applied one.
`;

const EXIT_PENDING = 3;

export async function runMigrate(argv: string[], io: CliIo): Promise<number> {
  const json = wantsJson(argv);
  const check = argv.includes('--check');
  try {
    const args = parseCommandArgs(argv.filter((arg) => arg !== '--check'));
    if (args.help) {
      io.stdout.write(MIGRATE_USAGE);
      return 0;
    }
    expectNoPositionals(args);
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, MIGRATE_USAGE, error.message, json);
    throw error;
  }
  let db: Awaited<ReturnType<typeof openUnmigrated>>;
  try {
    db = await openUnmigrated(loadConfig(io.env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    writeError(io, { code: 'config.invalid', message: error.message, request_id: null }, json);
    return 1;
  }
  try {
    return check ? await report(io, db, json) : await apply(io, db, json);
  } finally {
    await db.close();
  }
}

async function report(io: CliIo, db: Parameters<typeof migrationStatus>[0], json: boolean): Promise<number> {
  const plan = await migrationStatus(db);
  const pending = plan.pending.map((migration) => migration.version);
  if (json)
    writeJson(io, {
      current: pending.length === 0 && plan.problems.length === 0,
      pending,
      problems: plan.problems,
    });
  else {
    writeLines(io, [
      ...plan.problems.map((problem) => `refused: ${problem}`),
      ...pending.map((version) => `pending: ${version}`),
      ...(pending.length === 0 && plan.problems.length === 0 ? ['The database is current.'] : []),
    ]);
  }
  if (plan.problems.length > 0) return 1;
  return pending.length > 0 ? EXIT_PENDING : 0;
}

async function apply(io: CliIo, db: Parameters<typeof migrate>[0], json: boolean): Promise<number> {
  try {
    const applied = await migrate(db);
    if (json) writeJson(io, { applied });
    else writeLines(io, applied.length === 0 ? ['Nothing to apply.'] : applied.map((v) => `applied: ${v}`));
    return 0;
  } catch (error) {
    if (!(error instanceof MigrationError)) throw error;
    writeError(io, { code: 'migrate.refused', message: error.message, request_id: null }, json);
    return 1;
  }
}
