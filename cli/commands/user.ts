// tessera user invite: staff invite a partner's first owner; owners invite the rest from the console.
import { segment } from '../admin-client.ts';
import { UsageError } from '../args.ts';
import { type CommandContext, expectNoPositionals, respond, runGroup } from '../command.ts';
import { type CliIo, formatRecord } from '../output.ts';

const ROLES = ['owner', 'developer', 'auditor'] as const;

export const USER_USAGE = `Usage:
  tessera user invite --partner ID --email EMAIL --role owner|developer|auditor [--json]

  --url URL        admin API base URL (default: TESSERA_URL, then http://127.0.0.1:8080)
  --token TOKEN    admin token (default: TESSERA_ADMIN_TOKEN; prefer the variable)
  --json           print the API's answer as one JSON object
`;

export function runUser(args: string[], io: CliIo): Promise<number> {
  return runGroup('user', args, io, USER_USAGE, {
    invite: { flags: ['partner', 'email', 'role'], run: inviteUser },
  });
}

async function inviteUser(context: CommandContext): Promise<number> {
  const { args } = context;
  expectNoPositionals(args);
  const partner = args.required('partner');
  const email = args.required('email');
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new UsageError('--email must be an email address');
  const role = args.oneOf('role', ROLES);
  if (role === undefined) throw new UsageError(`--role is required (${ROLES.join(', ')})`);
  const result = await context.client().post(`/admin/v1/partners/${segment(partner)}/users`, { email, role });
  return respond(context, result, (user) => [
    ...formatRecord(Object.entries(user)),
    '',
    `Invited ${email} as ${role}. They sign in to the console with that address (magic link, then MFA).`,
  ]);
}
