// tessera allowlist set | show
import { isObject, type JsonObject, segment } from '../admin-client.ts';
import { UsageError } from '../args.ts';
import { type CommandContext, expectNoPositionals, respond, runGroup } from '../command.ts';
import { type CliIo, formatTable } from '../output.ts';

const ENVIRONMENTS = ['test', 'live'] as const;

export const ALLOWLIST_USAGE = `Usage:
  tessera allowlist set --partner ID [--environment test|live] [--allow-any] [CIDR[#note]…] [--json]
  tessera allowlist show --partner ID [--json]

  set replaces the entries of one environment (without --environment: the entries that apply to both).
  No CIDR clears them. An empty allowlist accepts requests from any IP address.
  A CIDR with host bits set (1.2.3.4/24) is refused with the network it would be (1.2.3.0/24).
  --allow-any      accept 0.0.0.0/0 or ::/0 (every address); refused without it
  Example: tessera allowlist set --partner ptn_… --environment live 203.0.113.0/24#office 2001:db8::/32
  --url URL        admin API base URL (default: TESSERA_URL, then http://127.0.0.1:8080)
  --token TOKEN    admin token (default: TESSERA_ADMIN_TOKEN; prefer the variable)
  --json           print the API's answer as one JSON object
`;

export function runAllowlist(args: string[], io: CliIo): Promise<number> {
  // A bare switch, read here so the shared parser keeps only `--name value` flags.
  const allowAny = args.includes('--allow-any');
  const rest = args.filter((arg) => arg !== '--allow-any');
  return runGroup('allowlist', rest, io, ALLOWLIST_USAGE, {
    set: { flags: ['partner', 'environment'], run: (context) => setAllowlist(context, allowAny) },
    show: { flags: ['partner'], run: showAllowlist },
  });
}

async function setAllowlist(context: CommandContext, allowAny: boolean): Promise<number> {
  const { args } = context;
  const partner = args.required('partner');
  const environment = args.oneOf('environment', ENVIRONMENTS) ?? null;
  const entries = args.positionals.map(parseEntry);
  const path = `/admin/v1/partners/${segment(partner)}/allowlist`;
  const body: JsonObject = { environment, entries };
  if (allowAny) body.allow_any = true;
  const result = await context.client().put(path, body);
  return respond(context, result, allowlistLines);
}

async function showAllowlist(context: CommandContext): Promise<number> {
  expectNoPositionals(context.args);
  const partner = context.args.required('partner');
  const result = await context.client().get(`/admin/v1/partners/${segment(partner)}/allowlist`);
  return respond(context, result, allowlistLines);
}

/** `CIDR` or `CIDR#note`; the server validates the CIDR itself, so its rules live in one place. */
function parseEntry(argument: string): { cidr: string; note?: string } {
  const at = argument.indexOf('#');
  const cidr = (at === -1 ? argument : argument.slice(0, at)).trim();
  if (cidr === '') throw new UsageError(`"${argument}" has no CIDR before its note`);
  const note = at === -1 ? '' : argument.slice(at + 1).trim();
  return note === '' ? { cidr } : { cidr, note };
}

function allowlistLines(body: JsonObject): string[] {
  const entries = Array.isArray(body.entries) ? body.entries.filter(isObject) : [];
  const lines =
    entries.length === 0
      ? []
      : formatTable(
          ['environment', 'cidr', 'note'],
          entries.map((entry) => [entry.environment ?? 'both', entry.cidr, entry.note]),
        );
  // Each environment is open to every address when no entry applies to it; say so, since that is the risk.
  for (const environment of ENVIRONMENTS) {
    const applies = entries.some((entry) => entry.environment === null || entry.environment === environment);
    if (!applies) lines.push(`${environment}: no entries, requests from any IP address are accepted`);
  }
  return lines;
}
