// The staff admin API (/admin/v1/*): partners, keys and allowlists. The same store functions as the
// console, so every change is checked and audited the same way, with the staff member as actor. Each
// route declares the staff permission it needs; sensitive changes become four-eyes requests (202).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Actor } from '../actor.ts';
import { listAllowlist, replaceAllowlist } from '../allowlist/store.ts';
import type { Database, Environment } from '../db/database.ts';
import type { AppDeps } from '../deps.ts';
import { apiError } from '../errors.ts';
import { isoOrNull } from '../http/json.ts';
import { isScope, knownScopes, type Scope } from '../keys/scopes.ts';
import { createKey, findKey, type KeyRecord, listKeys, regenerateKey, revokeKey } from '../keys/store.ts';
import { InvalidCidrError } from '../net/cidr.ts';
import {
  createPartner,
  findPartner,
  listPartners,
  type Partner,
  setPartnerRateLimit,
} from '../partners/store.ts';
import { widensAllowlist } from '../staff/allowlist-change.ts';
import { staffActorFields, staffAuditDetail } from '../staff/identity.ts';
import type { StaffPermission } from '../staff/permissions.ts';
import { answerWithApprovalRequest, fourEyesApplies } from './four-eyes.ts';
import {
  type CreateKeyBody,
  CreateKeyBody as CreateKeySchema,
  type CreatePartnerBody,
  CreatePartnerBody as CreatePartnerSchema,
  KeyIdParams,
  ListKeysQuery,
  PartnerIdParams,
  type ReplaceAllowlistBody,
  ReplaceAllowlistBody as ReplaceAllowlistSchema,
  type UpdatePartnerBody,
  UpdatePartnerBody as UpdatePartnerSchema,
} from './schemas.ts';

/** The route config of an admin route that needs `permission`. */
export function staffRoute(permission: StaffPermission) {
  return { security: { kind: 'admin' as const, staff: permission } };
}
const read = staffRoute('read');
const operate = staffRoute('operate');

/** The actor of a staff action: the person (subject, email, issuer, role, session, channel) or automation. */
export function adminActor(request: FastifyRequest): Actor {
  const { requestId, clientIp, staff } = request.tessera;
  if (!staff) return new Actor('admin', 'admin', requestId, clientIp);
  const { actorType, actorId } = staffActorFields(staff);
  return new Actor(actorType, actorId, requestId, clientIp, undefined, staffAuditDetail(staff));
}

export function showPartner(partner: Partner) {
  return {
    id: partner.id,
    name: partner.name,
    rate_limit_per_minute: partner.rate_limit_per_minute,
    created_at: isoOrNull(partner.created_at),
    suspended_at: isoOrNull(partner.suspended_at),
  };
}

export function showKey(key: KeyRecord) {
  return {
    id: key.id,
    partner_id: key.partner_id,
    prefix: key.prefix,
    environment: key.environment,
    name: key.name,
    scopes: key.scopes,
    created_at: isoOrNull(key.created_at),
    expires_at: isoOrNull(key.expires_at),
    last_used_at: isoOrNull(key.last_used_at),
    revoked_at: isoOrNull(key.revoked_at),
  };
}

export function adminRoutes(deps: AppDeps) {
  const { db, now } = deps;
  return (app: FastifyInstance): void => {
    app.post(
      '/admin/v1/partners',
      { config: operate, schema: { body: CreatePartnerSchema } },
      async (request, reply) => {
        const body = request.body as CreatePartnerBody;
        const partner = await createPartner(db, adminActor(request), {
          name: body.name.trim(),
          rateLimitPerMinute: body.rate_limit_per_minute ?? null,
        });
        reply.code(201);
        return showPartner(partner);
      },
    );

    app.get('/admin/v1/partners', { config: read }, async () => ({
      data: (await listPartners(db)).map(showPartner),
    }));

    app.get(
      '/admin/v1/partners/:id',
      { config: read, schema: { params: PartnerIdParams } },
      async (request) => {
        return showPartner(await partnerOr404(db, (request.params as { id: string }).id));
      },
    );

    app.patch(
      '/admin/v1/partners/:id',
      { config: operate, schema: { params: PartnerIdParams, body: UpdatePartnerSchema } },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const body = request.body as UpdatePartnerBody;
        const limit = body.rate_limit_per_minute;
        if (limit !== null && limit > deps.config.approvalRateLimitAbove && fourEyesApplies(deps, request)) {
          await partnerOr404(db, id);
          return answerWithApprovalRequest(deps, request, reply, {
            action: 'partner.rate_limit',
            partnerId: id,
            params: { rate_limit_per_minute: limit },
            summary: `raise the rate limit to ${limit} requests per minute`,
          });
        }
        const partner = await setPartnerRateLimit(db, adminActor(request), id, body.rate_limit_per_minute);
        if (!partner) throw apiError('resource.not_found');
        return showPartner(partner);
      },
    );

    app.post(
      '/admin/v1/partners/:id/keys',
      { config: operate, schema: { params: PartnerIdParams, body: CreateKeySchema } },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const body = request.body as CreateKeyBody;
        await partnerOr404(db, id);
        const unknown = (body.scopes ?? []).findIndex((scope) => !isScope(scope));
        if (unknown >= 0) {
          throw apiError('request.invalid', {
            details: [{ field: `scopes.${unknown}`, message: 'is not a known scope' }],
          });
        }
        const expiresAt = body.expires_at ? new Date(body.expires_at) : null;
        if (expiresAt && expiresAt.getTime() <= now()) {
          throw apiError('request.invalid', {
            details: [{ field: 'expires_at', message: 'must be in the future' }],
          });
        }
        const issued = await createKey(
          db,
          adminActor(request),
          {
            partnerId: id,
            environment: body.environment,
            name: body.name ?? `${body.environment} key`,
            scopes: (body.scopes as Scope[] | undefined) ?? knownScopes(),
            expiresAt,
          },
          deps.argon2Cost,
        );
        reply.code(201);
        return { ...showKey(issued.record), key: issued.key };
      },
    );

    app.get(
      '/admin/v1/partners/:id/keys',
      { config: read, schema: { params: PartnerIdParams, querystring: ListKeysQuery } },
      async (request) => {
        const { id } = request.params as { id: string };
        const { environment } = request.query as { environment?: Environment };
        await partnerOr404(db, id);
        return { data: (await listKeys(db, id, environment)).map(showKey) };
      },
    );

    app.post(
      '/admin/v1/keys/:id/revoke',
      { config: operate, schema: { params: KeyIdParams } },
      async (request) => {
        const record = await revokeKey(db, adminActor(request), (request.params as { id: string }).id);
        if (!record) throw apiError('resource.not_found');
        return showKey(record);
      },
    );

    app.post(
      '/admin/v1/keys/:id/regenerate',
      { config: operate, schema: { params: KeyIdParams } },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        if (fourEyesApplies(deps, request)) {
          const key = await findKey(db, id);
          if (!key) throw apiError('resource.not_found');
          if (key.revoked_at) throw apiError('key.revoked');
          return answerWithApprovalRequest(deps, request, reply, {
            action: 'key.regenerate',
            partnerId: key.partner_id,
            params: { key_id: key.id },
            summary: `regenerate key ${key.prefix} (${key.environment})`,
          });
        }
        const issued = await regenerateKey(db, adminActor(request), id, undefined, deps.argon2Cost);
        if (issued === undefined) throw apiError('resource.not_found');
        if (issued === 'revoked') throw apiError('key.revoked');
        return { ...showKey(issued.record), key: issued.key };
      },
    );

    app.get(
      '/admin/v1/partners/:id/allowlist',
      { config: read, schema: { params: PartnerIdParams } },
      async (request) => {
        const { id } = request.params as { id: string };
        await partnerOr404(db, id);
        return { partner_id: id, entries: await listAllowlist(db, id) };
      },
    );

    app.put(
      '/admin/v1/partners/:id/allowlist',
      { config: operate, schema: { params: PartnerIdParams, body: ReplaceAllowlistSchema } },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const body = request.body as ReplaceAllowlistBody;
        await partnerOr404(db, id);
        try {
          if (fourEyesApplies(deps, request) && (await allowlistWidens(db, id, body))) {
            const environment = body.environment ?? null;
            return answerWithApprovalRequest(deps, request, reply, {
              action: 'allowlist.replace',
              partnerId: id,
              params: { environment, entries: body.entries, allow_any: body.allow_any === true },
              summary: `widen the ${environment ?? 'shared'} allowlist to ${body.entries.map((e) => e.cidr).join(', ') || 'everyone'}`,
            });
          }
          const entries = await replaceAllowlist(
            db,
            adminActor(request),
            id,
            body.environment ?? null,
            body.entries,
            { allowAny: body.allow_any === true },
          );
          return { partner_id: id, entries };
        } catch (error) {
          if (!(error instanceof InvalidCidrError)) throw error;
          const field = `entries[${error.index ?? 0}].cidr`;
          throw apiError('request.invalid', { details: [{ field, message: error.message }] });
        }
      },
    );
  };
}

/** The entries that apply where the new list would: shared entries, plus the environment's own. */
async function allowlistWidens(
  db: Database,
  partnerId: string,
  body: ReplaceAllowlistBody,
): Promise<boolean> {
  const environment = body.environment ?? null;
  const current = (await listAllowlist(db, partnerId))
    .filter((entry) => entry.environment === null || entry.environment === environment)
    .map((entry) => entry.cidr);
  return widensAllowlist(
    current,
    body.entries.map((entry) => entry.cidr),
  );
}

export async function partnerOr404(db: Database, id: string): Promise<Partner> {
  const partner = await findPartner(db, id);
  if (!partner) throw apiError('resource.not_found');
  return partner;
}
