// tessera key create | list | revoke | regenerate
import { ALL_SCOPES, isScope } from '../../src/keys/scopes.ts';
import { isObject, type JsonObject, segment } from '../admin-client.ts';
import { UsageError } from '../args.ts';
import {
  type CommandContext,
  dataOf,
  expectNoPositionals,
  expectOneId,
  respond,
  runGroup,
} from '../command.ts';
import { type CliIo, formatRecord, formatTable } from '../output.ts';

const ENVIRONMENTS = ['test', 'live'] as const;

export const KEY_USAGE = `Usage:
  tessera key create --partner ID --environment test|live [--name N] [--scopes a,b] [--expires-at ISO] [--json]
  tessera key list --partner ID [--environment test|live] [--json]
  tessera key revoke KEY_ID [--json]
  tessera key regenerate KEY_ID [--json]
  tessera key roll KEY_ID --overlap DURATION [--json]

  The full key is printed once, by create, regenerate and roll; the server keeps only its hash.
  regenerate: the old secret stops working at once. roll: a new key now, and the old key keeps working
  for --overlap (e.g. 30m, 24h, 7d; at most 7d), then expires.
  --scopes a,b     what the key may do; without it, all of them. Valid scopes:
                   ${ALL_SCOPES.join(', ')}
  --url URL        admin API base URL (default: TESSERA_URL, then http://127.0.0.1:8080)
  --token TOKEN    admin token (default: TESSERA_ADMIN_TOKEN; prefer the variable)
  --json           print the API's answer as one JSON object
`;

export function runKey(args: string[], io: CliIo): Promise<number> {
  return runGroup('key', args, io, KEY_USAGE, {
    create: { flags: ['partner', 'environment', 'name', 'scopes', 'expires-at'], run: createKey },
    list: { flags: ['partner', 'environment'], run: listKeys },
    revoke: { flags: [], run: revokeKey },
    regenerate: { flags: [], run: regenerateKey },
    roll: { flags: ['overlap'], run: rollKey },
  });
}

async function createKey(context: CommandContext): Promise<number> {
  const { args } = context;
  expectNoPositionals(args);
  const partner = args.required('partner');
  const environment = args.oneOf('environment', ENVIRONMENTS);
  if (environment === undefined) throw new UsageError('--environment is required (test or live)');
  const body: JsonObject = { environment };
  const name = args.string('name');
  if (name !== undefined) body.name = name;
  const scopes = args.string('scopes');
  if (scopes !== undefined) body.scopes = scopeList(scopes);
  const expiresAt = args.string('expires-at');
  if (expiresAt !== undefined) body.expires_at = expiresAt;
  const result = await context.client().post(`/admin/v1/partners/${segment(partner)}/keys`, body);
  return respond(context, result, issuedKeyLines);
}

async function listKeys(context: CommandContext): Promise<number> {
  const { args } = context;
  expectNoPositionals(args);
  const partner = args.required('partner');
  const environment = args.oneOf('environment', ENVIRONMENTS);
  const query = environment === undefined ? '' : `?environment=${environment}`;
  const result = await context.client().get(`/admin/v1/partners/${segment(partner)}/keys${query}`);
  return respond(context, result, (body) => {
    const keys = dataOf(body);
    if (keys.length === 0) return ['No keys.'];
    return formatTable(
      ['id', 'prefix', 'env', 'name', 'scopes', 'created', 'expires', 'last used', 'status'],
      keys.map((k) => [
        k.id,
        k.prefix,
        k.environment,
        k.name,
        k.scopes,
        k.created_at,
        k.expires_at,
        k.last_used_at,
        status(k),
      ]),
    );
  });
}

async function revokeKey(context: CommandContext): Promise<number> {
  const id = expectOneId(context.args, 'KEY_ID', 'key');
  const result = await context.client().post(`/admin/v1/keys/${segment(id)}/revoke`);
  return respond(context, result, (key) => [
    `Revoked ${key.id} (${key.environment}, prefix ${key.prefix}) at ${key.revoked_at}.`,
    'It is refused from the next request on.',
  ]);
}

async function regenerateKey(context: CommandContext): Promise<number> {
  const id = expectOneId(context.args, 'KEY_ID', 'key');
  const result = await context.client().post(`/admin/v1/keys/${segment(id)}/regenerate`);
  return respond(context, result, (key) => [
    'The previous secret stopped working.',
    '',
    ...issuedKeyLines(key),
  ]);
}

async function rollKey(context: CommandContext): Promise<number> {
  const id = expectOneId(context.args, 'KEY_ID', 'key');
  const overlapSeconds = durationSeconds(context.args.required('overlap'));
  const result = await context.client().post(`/admin/v1/keys/${segment(id)}/roll`, {
    overlap_seconds: overlapSeconds,
  });
  return respond(context, result, (key) => {
    const previous = isObject(key.previous) ? key.previous : {};
    return [
      `The previous key ${previous.prefix} keeps working until ${previous.expires_at}, then expires.`,
      '',
      ...issuedKeyLines(key),
    ];
  });
}

const UNIT_SECONDS: Record<string, number> = { m: 60, h: 3_600, d: 86_400 };

/** `30m`, `24h`, `7d` as seconds, between one minute and seven days. */
function durationSeconds(raw: string): number {
  const match = /^(\d{1,4})([mhd])$/.exec(raw.trim());
  const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2] ?? ''] ?? 0) : 0;
  if (seconds < 60 || seconds > 7 * 86_400)
    throw new UsageError('--overlap must be a duration like 30m, 24h or 7d, from 1m to 7d');
  return seconds;
}

/** A newly issued key: its record, then the full key with the warning that this is the only time. */
function issuedKeyLines(key: JsonObject): string[] {
  return [
    ...formatRecord([
      ['id', key.id],
      ['partner', key.partner_id],
      ['prefix', key.prefix],
      ['environment', key.environment],
      ['name', key.name],
      ['scopes', key.scopes],
      ['expires', key.expires_at ?? 'never'],
    ]),
    '',
    `  ${key.key}`,
    '',
    'This key is shown only this once: Tessera stores only its hash and cannot show it again.',
    'Store it now in your secret manager.',
  ];
}

function status(key: JsonObject): string {
  if (key.revoked_at) return 'revoked';
  if (typeof key.expires_at === 'string' && Date.parse(key.expires_at) <= Date.now()) return 'expired';
  return 'active';
}

function scopeList(raw: string): string[] {
  const scopes = raw
    .split(',')
    .map((scope) => scope.trim())
    .filter(Boolean);
  if (scopes.length === 0) throw new UsageError(`--scopes needs at least one of ${ALL_SCOPES.join(', ')}`);
  const unknown = scopes.filter((scope) => !isScope(scope));
  if (unknown.length > 0) {
    const named = unknown.map((scope) => `"${scope}"`).join(', ');
    throw new UsageError(`unknown scope ${named}; valid scopes are ${ALL_SCOPES.join(', ')}`);
  }
  return scopes;
}
