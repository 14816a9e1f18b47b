// The staff admin API (/admin/v1/*): partners, keys and allowlists. The same store functions as the
// console, so every change is checked and audited the same way, with the admin as actor.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Actor } from '../actor.ts';
import { listAllowlist, replaceAllowlist } from '../allowlist/store.ts';
import type { Database, Environment } from '../db/database.ts';
import { apiError } from '../errors.ts';
import { isoOrNull } from '../http/json.ts';
import { ALL_SCOPES } from '../keys/scopes.ts';
import { createKey, type KeyRecord, listKeys, regenerateKey, revokeKey } from '../keys/store.ts';
import { InvalidCidrError } from '../net/cidr.ts';
import {
  createPartner,
  findPartner,
  listPartners,
  type Partner,
  setPartnerRateLimit,
} from '../partners/store.ts';
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

const admin = { security: { kind: 'admin' as const } };

export function adminActor(request: FastifyRequest): Actor {
  return new Actor('admin', 'admin', request.tessera.requestId, request.tessera.clientIp);
}

export function showPartner(partner: Partner) {
  return {
    id: partner.id,
    name: partner.name,
    rate_limit_per_minute: partner.rate_limit_per_minute,
    created_at: isoOrNull(partner.created_at),
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

export function adminRoutes(db: Database, now: () => number = Date.now) {
  return (app: FastifyInstance): void => {
    app.post(
      '/admin/v1/partners',
      { config: admin, schema: { body: CreatePartnerSchema } },
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

    app.get('/admin/v1/partners', { config: admin }, async () => ({
      data: (await listPartners(db)).map(showPartner),
    }));

    app.get(
      '/admin/v1/partners/:id',
      { config: admin, schema: { params: PartnerIdParams } },
      async (request) => {
        return showPartner(await partnerOr404(db, (request.params as { id: string }).id));
      },
    );

    app.patch(
      '/admin/v1/partners/:id',
      { config: admin, schema: { params: PartnerIdParams, body: UpdatePartnerSchema } },
      async (request) => {
        const { id } = request.params as { id: string };
        const body = request.body as UpdatePartnerBody;
        const partner = await setPartnerRateLimit(db, adminActor(request), id, body.rate_limit_per_minute);
        if (!partner) throw apiError('resource.not_found');
        return showPartner(partner);
      },
    );

    app.post(
      '/admin/v1/partners/:id/keys',
      { config: admin, schema: { params: PartnerIdParams, body: CreateKeySchema } },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const body = request.body as CreateKeyBody;
        await partnerOr404(db, id);
        const expiresAt = body.expires_at ? new Date(body.expires_at) : null;
        if (expiresAt && expiresAt.getTime() <= now()) {
          throw apiError('request.invalid', {
            details: [{ field: 'expires_at', message: 'must be in the future' }],
          });
        }
        const issued = await createKey(db, adminActor(request), {
          partnerId: id,
          environment: body.environment,
          name: body.name ?? `${body.environment} key`,
          scopes: body.scopes ?? ALL_SCOPES,
          expiresAt,
        });
        reply.code(201);
        return { ...showKey(issued.record), key: issued.key };
      },
    );

    app.get(
      '/admin/v1/partners/:id/keys',
      { config: admin, schema: { params: PartnerIdParams, querystring: ListKeysQuery } },
      async (request) => {
        const { id } = request.params as { id: string };
        const { environment } = request.query as { environment?: Environment };
        await partnerOr404(db, id);
        return { data: (await listKeys(db, id, environment)).map(showKey) };
      },
    );

    app.post(
      '/admin/v1/keys/:id/revoke',
      { config: admin, schema: { params: KeyIdParams } },
      async (request) => {
        const record = await revokeKey(db, adminActor(request), (request.params as { id: string }).id);
        if (!record) throw apiError('resource.not_found');
        return showKey(record);
      },
    );

    app.post(
      '/admin/v1/keys/:id/regenerate',
      { config: admin, schema: { params: KeyIdParams } },
      async (request) => {
        const issued = await regenerateKey(db, adminActor(request), (request.params as { id: string }).id);
        if (issued === undefined) throw apiError('resource.not_found');
        if (issued === 'revoked') throw apiError('key.revoked');
        return { ...showKey(issued.record), key: issued.key };
      },
    );

    app.get(
      '/admin/v1/partners/:id/allowlist',
      { config: admin, schema: { params: PartnerIdParams } },
      async (request) => {
        const { id } = request.params as { id: string };
        await partnerOr404(db, id);
        return { partner_id: id, entries: await listAllowlist(db, id) };
      },
    );

    app.put(
      '/admin/v1/partners/:id/allowlist',
      { config: admin, schema: { params: PartnerIdParams, body: ReplaceAllowlistSchema } },
      async (request) => {
        const { id } = request.params as { id: string };
        const body = request.body as ReplaceAllowlistBody;
        await partnerOr404(db, id);
        try {
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

async function partnerOr404(db: Database, id: string): Promise<Partner> {
  const partner = await findPartner(db, id);
  if (!partner) throw apiError('resource.not_found');
  return partner;
}
