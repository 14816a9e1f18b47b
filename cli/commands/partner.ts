// tessera partner create | list | update
import { type JsonObject, segment } from '../admin-client.ts';
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

export const PARTNER_USAGE = `Usage:
  tessera partner create --name NAME [--rate-limit N] [--json]
  tessera partner list [--json]
  tessera partner update PARTNER_ID --rate-limit N|default [--json]

  --rate-limit N   requests per minute per key for this partner (default: the server's);
                   on update, "default" removes the partner's override
  --url URL        admin API base URL (default: TESSERA_URL, then http://127.0.0.1:8080)
  --token TOKEN    admin token (default: TESSERA_ADMIN_TOKEN; prefer the variable)
  --json           print the API's answer as one JSON object
`;

export function runPartner(args: string[], io: CliIo): Promise<number> {
  return runGroup('partner', args, io, PARTNER_USAGE, {
    create: { flags: ['name', 'rate-limit'], run: createPartner },
    list: { flags: [], run: listPartners },
    update: { flags: ['rate-limit'], run: updatePartner },
  });
}

async function createPartner(context: CommandContext): Promise<number> {
  const { args } = context;
  expectNoPositionals(args);
  const body: JsonObject = { name: args.required('name') };
  const rateLimit = args.string('rate-limit');
  if (rateLimit !== undefined) body.rate_limit_per_minute = positiveInteger('rate-limit', rateLimit);
  const result = await context.client().post('/admin/v1/partners', body);
  return respond(context, result, (partner) => formatRecord(partnerFields(partner)));
}

async function listPartners(context: CommandContext): Promise<number> {
  expectNoPositionals(context.args);
  const result = await context.client().get('/admin/v1/partners');
  return respond(context, result, (body) => {
    const partners = dataOf(body);
    if (partners.length === 0) return ['No partners yet.'];
    return formatTable(
      ['id', 'name', 'rate limit/min', 'created'],
      partners.map((p) => [p.id, p.name, p.rate_limit_per_minute ?? 'default', p.created_at]),
    );
  });
}

async function updatePartner(context: CommandContext): Promise<number> {
  const { args } = context;
  const id = expectOneId(args, 'PARTNER_ID', 'partner');
  const raw = args.required('rate-limit');
  const rateLimit = raw === 'default' ? null : positiveInteger('rate-limit', raw);
  const result = await context.client().patch(`/admin/v1/partners/${segment(id)}`, {
    rate_limit_per_minute: rateLimit,
  });
  return respond(context, result, (partner) => formatRecord(partnerFields(partner)));
}

function partnerFields(partner: JsonObject): Array<[string, unknown]> {
  return [
    ['id', partner.id],
    ['name', partner.name],
    ['rate limit/min', partner.rate_limit_per_minute ?? 'default'],
    ['created', partner.created_at],
  ];
}

function positiveInteger(flag: string, raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`--${flag} must be a positive whole number of requests per minute`);
  }
  return value;
}
