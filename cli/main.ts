// The tessera command: `serve` runs the server; every other command is a thin client of the admin API.
import { DatabaseUnavailableError } from '../src/db/database.ts';
import { wantsJson } from './args.ts';
import { usageError } from './command.ts';
import { runAllowlist } from './commands/allowlist.ts';
import { runAudit } from './commands/audit.ts';
import { runGateway } from './commands/gateway.ts';
import { runKey } from './commands/key.ts';
import { runLogin } from './commands/login.ts';
import { runLogout } from './commands/logout.ts';
import { runPartner } from './commands/partner.ts';
import { runUser } from './commands/user.ts';
import { databaseUnreachable } from './database-failure.ts';
import type { CliIo } from './output.ts';
import { cliVersion } from './version.ts';

export type { CliIo } from './output.ts';

type CommandGroup = (args: string[], io: CliIo) => Promise<number>;

const GROUPS: Record<string, CommandGroup> = {
  // Loaded on demand: the server (database, Argon2, Fastify) has no place in a client command's start-up.
  serve: async (args, io) => (await import('./commands/serve.ts')).runServe(args, io),
  partner: runPartner,
  key: runKey,
  allowlist: runAllowlist,
  user: runUser,
  audit: runAudit,
  // Opens the database itself, so it is loaded on demand like serve.
  'admin-token': async (args, io) => (await import('./commands/admin-token.ts')).runAdminToken(args, io),
  gateway: runGateway,
  login: runLogin,
  logout: runLogout,
  migrate: async (args, io) => (await import('./commands/migrate.ts')).runMigrate(args, io),
  backup: async (args, io) => (await import('./commands/backup.ts')).runBackup('backup', args, io),
  restore: async (args, io) => (await import('./commands/backup.ts')).runBackup('restore', args, io),
};

export const USAGE = `Usage: tessera <command> [options]

Commands:
  serve                                   run the Tessera server
  partner create | list                   manage partners
  key create | list | revoke | regenerate manage API keys
  allowlist set | show                    manage a partner's IP allowlist
  user invite                             invite a partner's console user
  audit …                                 export and verify the audit log
  partner update                          change a partner's rate limit
  admin-token reset                       replace the admin token (on the server machine)
  gateway check FILE | routes             validate a gateway config offline; list a node's gateway routes
  login | logout                          sign in as yourself at the staff OpenID Provider, or forget it
  migrate [--check]                       apply or check database migrations
  backup FILE, restore FILE               back up or restore the embedded database
  help [command]                          show this, or a command's usage
  --version                               print the version

Every client command talks to the admin API at TESSERA_URL (default http://127.0.0.1:8080) with
TESSERA_ADMIN_TOKEN (--url and --token override them; without either, the tokens of tessera login),
and prints one JSON object with --json.
When the server runs on another PORT or host, set TESSERA_URL to match (e.g. http://127.0.0.1:9090).
Exit codes: 0 ok, 1 the API or the operation failed, 2 usage error.
`;

/** Runs one command line and resolves to its exit code; `io` is injectable so tests run it in-process. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    const group = rest[0] !== undefined ? groupNamed(rest[0]) : undefined;
    if (group !== undefined) return group(['--help'], io);
    io.stdout.write(USAGE);
    return 0;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    io.stdout.write(`${cliVersion()}\n`);
    return 0;
  }
  if (command === undefined) return usageError(io, USAGE, 'a command is required', false);
  const group = groupNamed(command);
  if (group === undefined) return usageError(io, USAGE, `unknown command "${command}"`, wantsJson(argv));
  try {
    return await group(rest, io);
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) return databaseUnreachable(io, wantsJson(argv));
    throw error;
  }
}

function groupNamed(name: string): CommandGroup | undefined {
  return Object.hasOwn(GROUPS, name) ? GROUPS[name] : undefined;
}

function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}
