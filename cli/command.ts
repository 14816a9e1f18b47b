// How a command group runs: pick the subcommand, parse its flags, run it, and turn the outcome into an exit
// code — 0 done, 1 the API or the operation failed, 2 the command line was wrong (with that group's usage).

import type { IdKind } from '../src/ids.ts';
import { AdminClient, type AdminResult, isObject, type JsonObject } from './admin-client.ts';
import { type ParsedArgs, parseCommandArgs, UsageError, wantsJson } from './args.ts';
import { checkId, checkIdFlags } from './ids.ts';
import { type CliIo, writeError, writeJson, writeLines } from './output.ts';

export interface CommandContext {
  args: ParsedArgs;
  io: CliIo;
  /** The admin API client from --url/--token or the environment (a bad URL is a usage error). */
  client(): AdminClient;
}

export interface Subcommand {
  /** The subcommand's own `--name value` flags, besides --url, --token, --json and --help. */
  flags: readonly string[];
  /** Its flags without a value, such as `--force`. */
  switches?: readonly string[];
  run(context: CommandContext): Promise<number>;
}

export async function runGroup(
  group: string,
  argv: readonly string[],
  io: CliIo,
  usage: string,
  subcommands: Record<string, Subcommand>,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(usage);
    return 0;
  }
  const json = wantsJson(argv);
  if (name === undefined) return usageError(io, usage, `tessera ${group} needs a command`, json);
  const subcommand = Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
  if (subcommand === undefined)
    return usageError(io, usage, `unknown command "tessera ${group} ${name}"`, json);
  try {
    const args = parseCommandArgs(rest, subcommand.flags, subcommand.switches);
    if (args.help) {
      io.stdout.write(usage);
      return 0;
    }
    checkIdFlags(args.string);
    return await subcommand.run({ args, io, client: () => AdminClient.from(args, io.env) });
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, usage, error.message, json);
    throw error;
  }
}

export function usageError(io: CliIo, usage: string, message: string, json: boolean): number {
  writeError(io, { code: 'cli.usage', message, request_id: null }, json);
  if (!json) io.stderr.write(`\n${usage}`);
  return 2;
}

/** Prints the API's answer: the object as is with --json, `human(body)` otherwise; an error on stderr. */
export function respond(
  context: CommandContext,
  result: AdminResult,
  human: (body: JsonObject) => string[],
): number {
  if (!result.ok) {
    writeError(context.io, result.error, context.args.json);
    return 1;
  }
  if (context.args.json) writeJson(context.io, result.body);
  else writeLines(context.io, human(result.body));
  return 0;
}

export function expectNoPositionals(args: ParsedArgs): void {
  const [extra] = args.positionals;
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
}

/** The single positional argument (an id), or a UsageError naming what was expected. */
export function expectOnePositional(args: ParsedArgs, name: string): string {
  const [value, extra] = args.positionals;
  if (value === undefined || value.trim() === '') throw new UsageError(`${name} is required`);
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  return value.trim();
}

/** The single positional argument, which must be an id of `kind` (e.g. KEY_ID of `key revoke`). */
export function expectOneId(args: ParsedArgs, name: string, kind: IdKind): string {
  return checkId(kind, name, expectOnePositional(args, name));
}

/** The `data` list of a list answer, keeping only objects. */
export function dataOf(body: JsonObject): JsonObject[] {
  const data = body.data;
  return Array.isArray(data) ? data.filter(isObject) : [];
}
