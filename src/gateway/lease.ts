// Exactly-once writes across the gateway. The upstream's effect is outside Tessera's transaction, so the
// guarantee is Stripe's: (1) claim the Idempotency-Key with a committed `in_progress` row holding a lease,
// (2) forward with the same key, (3) store the response and the audit event in one transaction. A crash
// between (1) and (3) leaves a claim whose lease runs out; the partner's retry then takes it over and is
// forwarded again with the same key, which the upstream deduplicates. An upstream failure (5xx, 502, 504)
// releases the claim at once, so the key stays free for the retry.
import { randomUUID } from 'node:crypto';
import { appendAuditEvents } from '../audit/append.ts';
import type { AuditEventInput } from '../audit/event.ts';
import type { Database, Scope } from '../db/database.ts';
import { apiError } from '../errors.ts';
import { refuseReplayedSignature } from '../pipeline/write-transaction.ts';

export interface WriteClaimRequest {
  readonly scope: Scope;
  readonly idempotencyKey: string;
  readonly fingerprint: string;
  readonly signatureHash: string;
}

export interface StoredGatewayResponse {
  readonly status: number;
  readonly contentType: string | null;
  readonly location: string | null;
  readonly body: Buffer;
}

export type ClaimOutcome =
  | { readonly kind: 'claimed'; readonly claimId: string }
  | { readonly kind: 'replay'; readonly response: StoredGatewayResponse };

interface ClaimRow {
  fingerprint: string;
  state: 'in_progress' | 'completed';
  status: number | null;
  content_type: string | null;
  location: string | null;
  response_body: Uint8Array | null;
}

export class WriteLeases {
  constructor(
    private readonly db: Database,
    private readonly leaseMs: number,
    private readonly now: () => number,
  ) {}

  /** Throws idempotency.key.in_progress, idempotency.key.conflict or auth.signature.replayed. */
  claim(request: WriteClaimRequest): Promise<ClaimOutcome> {
    const { scope, idempotencyKey } = request;
    const claimId = randomUUID();
    const nowMs = this.now();
    return this.db.scoped(scope, async (tx) => {
      // Insert a new claim, or take over one whose lease has run out (its node died mid-flight).
      const [taken] = await tx.query<{ claim_id: string }>(
        `INSERT INTO gateway_idempotency
           (partner_id, environment, idempotency_key, fingerprint, claim_id, state, lease_until)
         VALUES ($1, $2, $3, $4, $5, 'in_progress', to_timestamp($6::double precision / 1000))
         ON CONFLICT (partner_id, environment, idempotency_key) DO UPDATE
           SET fingerprint = excluded.fingerprint, claim_id = excluded.claim_id,
               lease_until = excluded.lease_until
           WHERE gateway_idempotency.state = 'in_progress'
             AND gateway_idempotency.lease_until < to_timestamp($7::double precision / 1000)
         RETURNING claim_id`,
        [
          scope.partnerId,
          scope.environment,
          idempotencyKey,
          request.fingerprint,
          claimId,
          nowMs + this.leaseMs,
          nowMs,
        ],
      );
      if (taken?.claim_id === claimId) {
        await refuseReplayedSignature(
          tx,
          scope.partnerId,
          scope.environment,
          request.signatureHash,
          idempotencyKey,
        );
        return { kind: 'claimed', claimId };
      }
      const [row] = await tx.query<ClaimRow>(
        `SELECT fingerprint, state, status, content_type, location, response_body FROM gateway_idempotency
          WHERE partner_id = $1 AND environment = $2 AND idempotency_key = $3`,
        [scope.partnerId, scope.environment, idempotencyKey],
      );
      if (!row || row.fingerprint !== request.fingerprint) throw apiError('idempotency.key.conflict');
      if (row.state === 'in_progress') throw apiError('idempotency.key.in_progress');
      return { kind: 'replay', response: storedResponse(row) };
    });
  }

  /** Stores the upstream's answer and the request's audit event together. */
  async complete(
    scope: Scope,
    idempotencyKey: string,
    claimId: string,
    response: StoredGatewayResponse,
    event: AuditEventInput,
  ): Promise<void> {
    await this.db.scoped(scope, async (tx) => {
      await tx.query(
        `UPDATE gateway_idempotency
            SET state = 'completed', status = $5, content_type = $6, location = $7, response_body = $8
          WHERE partner_id = $1 AND environment = $2 AND idempotency_key = $3 AND claim_id = $4`,
        [
          scope.partnerId,
          scope.environment,
          idempotencyKey,
          claimId,
          response.status,
          response.contentType,
          response.location,
          response.body,
        ],
      );
      await appendAuditEvents(tx, [event]);
    });
  }

  /** Frees the key (the upstream failed, so the partner may retry) and records the request's event. */
  async release(
    scope: Scope,
    idempotencyKey: string,
    claimId: string,
    event: AuditEventInput,
  ): Promise<void> {
    await this.db.scoped(scope, async (tx) => {
      await tx.query(
        `DELETE FROM gateway_idempotency
          WHERE partner_id = $1 AND environment = $2 AND idempotency_key = $3 AND claim_id = $4
            AND state = 'in_progress'`,
        [scope.partnerId, scope.environment, idempotencyKey, claimId],
      );
      await appendAuditEvents(tx, [event]);
    });
  }
}

function storedResponse(row: ClaimRow): StoredGatewayResponse {
  return {
    status: row.status ?? 500,
    contentType: row.content_type,
    location: row.location,
    body: Buffer.from(row.response_body ?? new Uint8Array()),
  };
}
