// The write transaction: what makes a signed write happen exactly once. In ONE database transaction,
// scoped to the caller's partner and environment:
//   1. claim the Idempotency-Key (a transaction-level advisory lock: a concurrent duplicate gets 409
//      idempotency.key.in_progress at once instead of waiting);
//   2. a key already completed replays its stored response (same request) or is a conflict (different one);
//   3. record the signature, refusing one already accepted under another Idempotency-Key (a replay);
//   4. run the handler, store its response, append the request's audit event; commit.
// A crash at any point leaves either all of it or none of it. A handler's catalogued 4xx is rolled back to a
// savepoint and stored like a success; any other failure rolls everything back, leaving the key free.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { appendAuditEvents } from '../audit/append.ts';
import { sha256Hex } from '../crypto.ts';
import type { Database, Queryable } from '../db/database.ts';
import { ApiError, apiError, errorBody } from '../errors.ts';
import { auditEventFor } from './audit.ts';

export interface HandlerResult {
  status: number;
  body: unknown;
}

export type WriteHandler = (tx: Queryable, request: FastifyRequest) => Promise<HandlerResult>;

interface StoredResponse {
  fingerprint: string;
  status: number;
  response_body: string;
}

export function requestFingerprint(request: FastifyRequest): string {
  const body = request.rawBody ?? Buffer.alloc(0);
  return sha256Hex(Buffer.concat([Buffer.from(`${request.method}\n${request.url}\n`), body]));
}

export function signedWrite(db: Database, now: () => number, handler: WriteHandler) {
  return async function runSignedWrite(request: FastifyRequest, reply: FastifyReply): Promise<string> {
    const ctx = request.tessera;
    const key = ctx.key;
    const idempotencyKey = ctx.idempotencyKey;
    if (!key || !idempotencyKey || !ctx.signature) throw new Error('signedWrite ran before authentication');
    const fingerprint = requestFingerprint(request);
    // The decoded signature, never the header text (whose hex case an attacker chooses). Stored as the hash
    // of its lower-case hex, the form clients send, so rows written before this change still match.
    const signatureHash = sha256Hex(ctx.signature.toString('hex'));
    const scope = ctx.scope();

    const outcome = await db.scoped(scope, async (tx) => {
      const [claimed] = await tx.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS ok',
        [`${key.partnerId}/${key.environment}/${idempotencyKey}`],
      );
      if (!claimed?.ok) throw apiError('idempotency.key.in_progress');
      const [stored] = await tx.query<StoredResponse>(
        `SELECT fingerprint, status, response_body FROM idempotency_records
          WHERE partner_id = $1 AND environment = $2 AND idempotency_key = $3`,
        [key.partnerId, key.environment, idempotencyKey],
      );
      if (stored) {
        if (stored.fingerprint !== fingerprint) throw apiError('idempotency.key.conflict');
        return { status: stored.status, body: stored.response_body, replayed: true };
      }
      await refuseReplayedSignature(tx, scope.partnerId, scope.environment, signatureHash, idempotencyKey);

      const result = await runHandler(tx, request, handler);
      const body = JSON.stringify(result.body);
      await tx.query(
        `INSERT INTO idempotency_records (partner_id, environment, idempotency_key, fingerprint, status, response_body)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [key.partnerId, key.environment, idempotencyKey, fingerprint, result.status, body],
      );
      ctx.errorCode = result.status >= 400 ? (result.body as { code?: string }).code : undefined;
      await appendAuditEvents(tx, [auditEventFor(request, result.status, now())]);
      ctx.auditedInTransaction = true;
      return { status: result.status, body, replayed: false };
    });

    if (outcome.replayed) reply.header('idempotent-replayed', 'true');
    reply.code(outcome.status).type('application/json; charset=utf-8');
    return outcome.body;
  };
}

export async function refuseReplayedSignature(
  tx: Queryable,
  partnerId: string,
  environment: string,
  signatureHash: string,
  idempotencyKey: string,
): Promise<void> {
  const [first] = await tx.query<{ idempotency_key: string }>(
    `INSERT INTO accepted_signatures (partner_id, environment, signature_sha256, idempotency_key)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (partner_id, environment, signature_sha256)
       DO UPDATE SET signature_sha256 = excluded.signature_sha256
     RETURNING idempotency_key::text`,
    [partnerId, environment, signatureHash, idempotencyKey],
  );
  if (first && first.idempotency_key !== idempotencyKey) throw apiError('auth.signature.replayed');
}

async function runHandler(
  tx: Queryable,
  request: FastifyRequest,
  handler: WriteHandler,
): Promise<HandlerResult> {
  await tx.query('SAVEPOINT handler');
  try {
    return await handler(tx, request);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status >= 500) throw error;
    await tx.query('ROLLBACK TO SAVEPOINT handler');
    return { status: error.status, body: errorBody(error, request.tessera.requestId) };
  }
}
