// Audit log surfaces: partners export their own chains (their environment's and their partner-level one);
// staff export any partner's chains, verify the whole log and purge expired sealed ranges; anyone may fetch
// the public keys that sign seals. Exports stream; manifests are computed by streaming the same export.
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { answerWithApprovalRequest, fourEyesApplies } from '../admin/four-eyes.ts';
import { adminActor } from '../admin/routes.ts';
import { PartnerIdParams } from '../admin/schemas.ts';
import type { Queryable } from '../db/database.ts';
import type { AppDeps } from '../deps.ts';
import { apiError, type ErrorDetail } from '../errors.ts';
import type { Job } from '../jobs.ts';
import { findPartner } from '../partners/store.ts';
import { scopeOfKey } from '../pipeline/context.ts';
import type { RouteRegistrar } from '../server.ts';
import { type ExportRequest, type RunBatch, startedExportStream } from './export.ts';
import type { ExportFormat } from './export-format.ts';
import { buildManifest } from './manifest.ts';
import { parseInstant, parsePeriod } from './period.ts';
import { proofRoutes } from './proof-routes.ts';
import { purgeAuditEvents } from './purge.ts';
import { sealJob } from './seal.ts';
import { signerFor } from './signer.ts';
import { listPublicKeys, publishSigningKey } from './signing-keys.ts';
import { verifyDatabase } from './verify-database.ts';

const ExportQuery = Type.Object(
  {
    from: Type.String({ minLength: 1, maxLength: 64 }),
    to: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    format: Type.Optional(Type.Union([Type.Literal('jsonl'), Type.Literal('csv')])),
  },
  { additionalProperties: false },
);
type ExportQuery = Static<typeof ExportQuery>;

const PurgeBody = Type.Object(
  { before: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
  { additionalProperties: false },
);

const CONTENT_TYPES: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
};
const DAY_MS = 86_400_000;

export function auditRoutes(deps: AppDeps): RouteRegistrar {
  const { db, now } = deps;
  const partnerRead = { security: { kind: 'read' as const, scope: 'audit:read' as const } };
  const admin = { security: { kind: 'admin' as const, staff: 'audit' as const } };
  const purge = { security: { kind: 'admin' as const, staff: 'admin' as const } };

  /** A key's export: its environment's chain and its partner-level chain, read under RLS. */
  const partnerExport = (
    request: { tessera: { key?: { partnerId: string; environment: 'test' | 'live' } } },
    query: ExportQuery,
  ) => {
    const key = request.tessera.key;
    if (!key) throw new Error('audit export reached without a key');
    const scope = scopeOfKey(key);
    return {
      run: <T>(work: (tx: Queryable) => Promise<T>) => db.scoped(scope, work),
      request: exportRequest(
        key.partnerId,
        [key.partnerId, `${key.partnerId}/${key.environment}`],
        query,
        now(),
      ),
    };
  };
  /** Staff see all of one partner's chains. The audit_events RLS policy is per partner, not per environment. */
  const staffExport = async (partnerId: string, query: ExportQuery) => {
    if (!(await findPartner(db, partnerId))) throw apiError('resource.not_found');
    return {
      run: <T>(work: (tx: Queryable) => Promise<T>) => db.scoped({ partnerId, environment: 'live' }, work),
      request: exportRequest(partnerId, [partnerId, `${partnerId}/live`, `${partnerId}/test`], query, now()),
    };
  };

  const signer = signerFor(deps);
  const witnessDir = deps.config.auditWitnessDir;
  const manifestOf = async (run: RunBatch, spec: ExportRequest) => {
    const key = await signer();
    const sealing = key ? { db, key, now, ...(witnessDir ? { witnessDir } : {}) } : undefined;
    return buildManifest(run, db, spec, key, now, sealing);
  };
  const proofs = proofRoutes(deps);
  return (app: FastifyInstance) => {
    proofs(app);
    app.get(
      '/.well-known/tessera-audit-keys.json',
      { config: { security: { kind: 'public' } } },
      async (_r, reply) => {
        reply.header('cache-control', 'public, max-age=300');
        const key = await signer();
        if (key) await publishSigningKey(db, key, new Date(now()));
        return { keys: await listPublicKeys(db) };
      },
    );

    app.get(
      '/v1/audit-events',
      { config: partnerRead, schema: { querystring: ExportQuery } },
      async (request, reply) => {
        const { run, request: spec } = partnerExport(request, request.query as ExportQuery);
        return sendExport(reply, spec, await startedExportStream(run, spec));
      },
    );

    app.get(
      '/v1/audit-events/manifest',
      { config: partnerRead, schema: { querystring: ExportQuery } },
      async (request) => {
        const { run, request: spec } = partnerExport(request, request.query as ExportQuery);
        return manifestOf(run, spec);
      },
    );

    app.get(
      '/admin/v1/partners/:id/audit-events',
      { config: admin, schema: { params: PartnerIdParams, querystring: ExportQuery } },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const { run, request: spec } = await staffExport(id, request.query as ExportQuery);
        return sendExport(reply, spec, await startedExportStream(run, spec));
      },
    );

    app.get(
      '/admin/v1/partners/:id/audit-events/manifest',
      { config: admin, schema: { params: PartnerIdParams, querystring: ExportQuery } },
      async (request) => {
        const { id } = request.params as { id: string };
        const { run, request: spec } = await staffExport(id, request.query as ExportQuery);
        return manifestOf(run, spec);
      },
    );

    // The platform chain ('-'): requests that belong to no partner, and every staff request.
    const platformExport = (query: ExportQuery) => ({
      run: <T>(work: (tx: Queryable) => Promise<T>) => db.transaction(work),
      request: exportRequest(null, ['-'], query, now()),
    });
    app.get(
      '/admin/v1/audit/platform-events',
      { config: admin, schema: { querystring: ExportQuery } },
      async (request, reply) => {
        const { run, request: spec } = platformExport(request.query as ExportQuery);
        return sendExport(reply, spec, await startedExportStream(run, spec));
      },
    );
    app.get(
      '/admin/v1/audit/platform-events/manifest',
      { config: admin, schema: { querystring: ExportQuery } },
      async (request) => {
        const { run, request: spec } = platformExport(request.query as ExportQuery);
        return manifestOf(run, spec);
      },
    );

    app.get('/admin/v1/audit/verify', { config: admin }, async () => verifyDatabase(db, witnessDir));

    app.post(
      '/admin/v1/audit/purge',
      { config: purge, schema: { body: PurgeBody } },
      async (request, reply) => {
        const { before } = (request.body ?? {}) as { before?: string };
        const cutoff = purgeCutoff(before, now(), deps.config.auditRetentionDays);
        if (fourEyesApplies(deps, request)) {
          return answerWithApprovalRequest(deps, request, reply, {
            action: 'audit.purge',
            partnerId: null,
            params: { before: cutoff.toISOString() },
            summary: `purge sealed audit events recorded before ${cutoff.toISOString()}`,
          });
        }
        return purgeAuditEvents(db, adminActor(request), cutoff);
      },
    );
  };
}

export function auditJobs(deps: AppDeps): Job[] {
  const options = {
    now: deps.now,
    ...(deps.config.auditWitnessDir ? { witnessDir: deps.config.auditWitnessDir } : {}),
  };
  return [sealJob(deps.db, deps.config.auditSealIntervalMs, signerFor(deps), options)];
}

function exportRequest(
  partnerId: string | null,
  chainIds: string[],
  query: ExportQuery,
  now: number,
): ExportRequest {
  const { from, to } = parsePeriod(query, now);
  return { partnerId, chainIds, from, to, format: query.format ?? 'jsonl' };
}

function sendExport(reply: FastifyReply, spec: ExportRequest, body: NodeJS.ReadableStream) {
  // The period actually used, so a client that left out `to` can ask for the matching manifest.
  reply
    .type(CONTENT_TYPES[spec.format])
    .header('cache-control', 'no-store')
    .header('tessera-export-from', spec.from.toISOString())
    .header('tessera-export-to', spec.to.toISOString())
    .header('content-disposition', `attachment; filename="audit-events.${spec.format}"`);
  return body;
}

/** Never inside the retention period: `before` may only move the cutoff further into the past. */
function purgeCutoff(before: string | undefined, now: number, retentionDays: number): Date {
  const limit = new Date(now - retentionDays * DAY_MS);
  if (before === undefined) return limit;
  const details: ErrorDetail[] = [];
  const cutoff = parseInstant('before', before, details);
  if (cutoff && cutoff.getTime() > limit.getTime()) {
    details.push({
      field: 'before',
      message: `must be at least ${retentionDays} days ago (the retention period)`,
    });
  }
  if (!cutoff || details.length > 0) throw apiError('request.invalid', { details });
  return cutoff;
}
