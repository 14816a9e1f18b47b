// Staff invite a partner's first owner through the admin API (`tessera user invite`); owners invite the
// rest from the console. Same store function, same audit event, with the admin as actor.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { adminActor } from '../admin/routes.ts';
import type { AppDeps } from '../deps.ts';
import { apiError } from '../errors.ts';
import { isoOrNull } from '../http/json.ts';
import { findPartner } from '../partners/store.ts';
import type { ConsoleUser } from './auth/sessions.ts';
import { ROLES, type Role } from './roles.ts';
import { inviteUser, listUsers, normaliseEmail } from './users.ts';

const PartnerParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const InviteBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254 }),
    role: Type.Union(ROLES.map((role) => Type.Literal(role))),
  },
  { additionalProperties: false },
);

const operate = { security: { kind: 'admin' as const, staff: 'operate' as const } };
const read = { security: { kind: 'admin' as const, staff: 'read' as const } };

export function showUser(user: ConsoleUser) {
  return {
    id: user.id,
    partner_id: user.partner_id,
    email: user.email,
    role: user.role,
    created_at: isoOrNull(user.created_at),
  };
}

export function adminUserRoutes(deps: AppDeps) {
  return (app: FastifyInstance): void => {
    app.post(
      '/admin/v1/partners/:id/users',
      { config: operate, schema: { params: PartnerParams, body: InviteBody } },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const body = request.body as { email: string; role: Role };
        if (!(await findPartner(deps.db, id))) throw apiError('resource.not_found');
        const email = normaliseEmail(body.email);
        if (!email) {
          throw apiError('request.invalid', {
            details: [{ field: 'email', message: 'must be an email address' }],
          });
        }
        const user = await inviteUser(
          deps.db,
          adminActor(request),
          { partnerId: id, email, role: body.role },
          deps.now(),
        );
        if (user === 'email_taken') throw apiError('user.email_taken');
        reply.code(201);
        return showUser(user);
      },
    );

    app.get(
      '/admin/v1/partners/:id/users',
      { config: read, schema: { params: PartnerParams } },
      async (request) => {
        const { id } = request.params as { id: string };
        if (!(await findPartner(deps.db, id))) throw apiError('resource.not_found');
        return { data: (await listUsers(deps.db, id)).map(showUser) };
      },
    );
  };
}
