// Command-line parsing on node:util parseArgs, strict: an unknown flag or a flag without its value is a
// usage error (exit 2) instead of a guess.
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ParsedArgs {
  positionals: string[];
  json: boolean;
  help: boolean;
  /** --url and --token, which override TESSERA_URL and TESSERA_ADMIN_TOKEN. */
  url: string | undefined;
  token: string | undefined;
  string(name: string): string | undefined;
  /** Whether a switch (a flag without a value, such as --force) was given. */
  flag(name: string): boolean;
  /** The flag's value, or a UsageError naming it. */
  required(name: string): string;
  /** The flag's value, which must be one of `allowed` when given. */
  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined;
}

/**
 * Parses the arguments after the command words; `stringFlags` are the command's own `--name value` flags,
 * `switches` its own flags without a value.
 */
export function parseCommandArgs(
  args: readonly string[],
  stringFlags: readonly string[] = [],
  switches: readonly string[] = [],
): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    url: { type: 'string' },
    token: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const name of stringFlags) options[name] = { type: 'string' };
  for (const name of switches) options[name] = { type: 'boolean' };

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.replace(/\s*\n\s*/g, ' '));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const string = (name: string) => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    positionals: parsed.positionals,
    json: values.json === true,
    help: values.help === true,
    url: string('url'),
    token: string('token'),
    string,
    flag: (name) => values[name] === true,
    required(name) {
      const value = string(name)?.trim();
      if (!value) throw new UsageError(`--${name} is required`);
      return value;
    },
    oneOf(name, allowed) {
      const value = string(name);
      if (value === undefined) return undefined;
      const match = allowed.find((candidate) => candidate === value);
      if (match === undefined) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}`);
      return match;
    },
  };
}

/** Whether the raw arguments ask for JSON, so even a usage error is reported in the requested form. */
export function wantsJson(args: readonly string[]): boolean {
  return args.includes('--json');
}
