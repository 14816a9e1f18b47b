// tessera admin-token reset: replaces a lost generated admin token. It opens the database directly (the
// same DATABASE_URL or TESSERA_DATA_DIR as the server), so it runs where the server runs, by whoever may
// read its configuration; no admin token is needed to get a new one, by design.
import { resetAdminToken } from '../../src/admin/admin-token-reset.ts';
import { type Config, ConfigError, loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/open.ts';
import { type CommandContext, expectNoPositionals, runGroup } from '../command.ts';
import { type CliIo, writeError, writeJson, writeLines } from '../output.ts';

export const ADMIN_TOKEN_USAGE = `Usage:
  tessera admin-token reset [--json]

  Replaces the admin token generated at first start, when it is lost: every stored admin token is removed
  and a new one is printed once. Run it on the server machine with the server's DATABASE_URL (or
  TESSERA_DATA_DIR: stop the server first, PGlite allows one process), then restart every node so that
  the old token stops working and the new one is accepted. Not needed when TESSERA_ADMIN_TOKEN is set on
  the server: change that variable instead.
  --json           print { admin_token } as one JSON object
`;

export function runAdminToken(args: string[], io: CliIo): Promise<number> {
  return runGroup('admin-token', args, io, ADMIN_TOKEN_USAGE, { reset: { flags: [], run: reset } });
}

async function reset(context: CommandContext): Promise<number> {
  const { args, io } = context;
  expectNoPositionals(args);
  let config: Config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    writeError(io, { code: 'config.invalid', message: error.message, request_id: null }, args.json);
    return 1;
  }
  const db = await openDatabase(config);
  let token: string;
  try {
    token = await resetAdminToken(db);
  } finally {
    await db.close();
  }
  if (args.json) {
    writeJson(io, { admin_token: token });
    return 0;
  }
  writeLines(io, [
    'A new admin token replaces every previous one. It is shown this once and stored only as a hash:',
    '',
    `  ${token}`,
    '',
    'Restart every Tessera node, then give the CLI the new token in TESSERA_ADMIN_TOKEN.',
  ]);
  return 0;
}
