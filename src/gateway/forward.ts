// The gateway's handlers. By the time they run, the pipeline has authenticated the key, checked the
// allowlist, rate limit and scope and, on writes, the timestamp, signature and Idempotency-Key. A read is
// forwarded and its response streamed back as it arrives (a 50 MB download is never held in memory), or
// read whole first when the upstream declares it small; a write is forwarded under an idempotency lease
// (lease.ts) and its bounded response stored for replay.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sha256Hex } from '../crypto.ts';
import { type ApiError, apiError } from '../errors.ts';
import { auditEventFor } from '../pipeline/audit.ts';
import { requestFingerprint } from '../pipeline/write-transaction.ts';
import { contentDigest, signAssertion } from './assertion.ts';
import { partnerResponseHeaders, upstreamRequestHeaders } from './headers.ts';
import type { StoredGatewayResponse, WriteLeases } from './lease.ts';
import type { GatewayMetrics, UpstreamErrorKind } from './metrics.ts';
import type { AssertionKeys } from './signing-key.ts';
import {
  type BodyOutcome,
  type ForwardOutcome,
  type OutgoingRequest,
  readBounded,
  type UpstreamPool,
  type UpstreamResponse,
} from './upstream.ts';

export interface ForwarderDeps {
  readonly keys: AssertionKeys;
  readonly leases: WriteLeases;
  readonly metrics: GatewayMetrics;
  readonly issuer: string;
  readonly maxStoredResponseBytes: number;
  readonly now: () => number;
}

/**
 * A read whose upstream declares a body of at most this size is read whole, then sent: cheaper per request
 * than piping a stream, and a body that stalls or breaks off becomes a clean 504 or 502 rather than an
 * answer cut short. Larger or undeclared bodies stream as they arrive.
 */
const WHOLE_BODY_BYTES = 64 * 1024;

const FAILURES: Record<Exclude<ForwardOutcome['kind'], 'response'>, ApiError['code']> = {
  unavailable: 'upstream.unavailable',
  timeout: 'upstream.timeout',
};

export class Forwarder {
  constructor(private readonly deps: ForwarderDeps) {}

  async read(pool: UpstreamPool, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const name = pool.upstream.name;
    const finished = this.deps.metrics.started(name);
    const started = this.deps.now();
    const outcome = await pool.forward(this.#outgoing(pool, request, undefined));
    if (outcome.kind !== 'response') {
      finished();
      throw this.#failure(request, name, outcome.kind, outcome.elapsedMs);
    }
    const { response, elapsedMs } = outcome;
    const bodyless = request.method === 'HEAD' || response.statusCode === 204 || response.statusCode === 304;
    if (!bodyless && declaredLength(response) <= WHOLE_BODY_BYTES) {
      const read = await readBounded(response.body, WHOLE_BODY_BYTES);
      finished();
      if (read.kind !== 'body') throw this.#bodyFailed(request, name, read, outcome, started);
      this.#answered(request, name, response, elapsedMs);
      return reply
        .code(response.statusCode)
        .headers(partnerResponseHeaders(response.headers))
        .send(read.body);
    }
    response.body.once('close', finished);
    this.#answered(request, name, response, elapsedMs);
    reply.code(response.statusCode).headers(partnerResponseHeaders(response.headers));
    if (bodyless) {
      response.body.resume();
      return reply.send();
    }
    return reply.send(response.body);
  }

  async write(pool: UpstreamPool, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const ctx = request.tessera;
    const key = ctx.key;
    const idempotencyKey = ctx.idempotencyKey;
    if (!key || !idempotencyKey) throw new Error('a gateway write ran before authentication');
    const scope = { partnerId: key.partnerId, environment: key.environment };
    const claim = await this.deps.leases.claim({
      scope,
      idempotencyKey,
      fingerprint: requestFingerprint(request),
      signatureHash: sha256Hex(String(request.headers['x-signature'])),
    });
    if (claim.kind === 'replay') return replay(reply, claim.response);

    const name = pool.upstream.name;
    const release = async (status: number) => {
      await this.deps.leases.release(scope, idempotencyKey, claim.claimId, this.#auditEvent(request, status));
      ctx.auditedInTransaction = true;
    };
    const finished = this.deps.metrics.started(name);
    const started = this.deps.now();
    let outcome: ForwardOutcome;
    let read: BodyOutcome | undefined;
    try {
      outcome = await pool.forward(this.#outgoing(pool, request, idempotencyKey));
      if (outcome.kind === 'response')
        read = await readBounded(outcome.response.body, this.deps.maxStoredResponseBytes);
    } finally {
      finished();
    }
    if (outcome.kind !== 'response') {
      const error = this.#failure(request, name, outcome.kind, outcome.elapsedMs);
      await release(error.status);
      throw error;
    }
    const { response } = outcome;
    if (read?.kind !== 'body') {
      // The partner gets an error and the key stays free for the retry (the upstream dedupes on
      // Idempotency-Key).
      const error = this.#bodyFailed(request, name, read, outcome, started);
      await release(error.status);
      throw error;
    }
    this.#answered(request, name, response, outcome.elapsedMs);
    const { body } = read;
    const status = response.statusCode;
    if (status >= 500) {
      await release(status);
    } else {
      const event = this.#auditEvent(request, status);
      await this.deps.leases.complete(scope, idempotencyKey, claim.claimId, storable(response, body), event);
      ctx.auditedInTransaction = true;
    }
    return reply.code(status).headers(partnerResponseHeaders(response.headers)).send(body);
  }

  #outgoing(
    pool: UpstreamPool,
    request: FastifyRequest,
    idempotencyKey: string | undefined,
  ): OutgoingRequest {
    const ctx = request.tessera;
    const key = ctx.key;
    if (!key) throw new Error('a gateway route ran before authentication');
    const target = request.raw.url ?? request.url;
    const body = idempotencyKey === undefined ? undefined : (request.rawBody ?? Buffer.alloc(0));
    const digest = body && body.length > 0 ? contentDigest(body) : undefined;
    const assertion = signAssertion(
      this.deps.keys.current,
      {
        issuer: this.deps.issuer,
        audience: pool.upstream.name,
        partnerId: key.partnerId,
        environment: key.environment,
        keyId: key.id,
        scopes: key.scopes,
        requestId: ctx.requestId,
        method: request.method,
        target,
        contentDigest: digest,
      },
      this.deps.now(),
    );
    const headers = upstreamRequestHeaders(request.headers, {
      requestId: ctx.requestId,
      clientIp: ctx.clientIp,
      protocol: request.protocol,
      idempotencyKey,
      contentDigest: digest,
      contentLength: body?.length,
      assertion,
    });
    return { method: request.method, target, headers, body };
  }

  #answered(request: FastifyRequest, upstream: string, response: UpstreamResponse, elapsedMs: number): void {
    const status = response.statusCode;
    this.deps.metrics.answered(upstream, status, elapsedMs);
    request.tessera.auditDetail = {
      upstream,
      upstream_status: status,
      upstream_latency_ms: Math.round(elapsedMs),
    };
  }

  /**
   * The upstream answered but its body stalled past the deadline, broke off, or is too large to hold: an
   * error for the partner, audited with the upstream's status and the exchange's whole duration.
   */
  #bodyFailed(
    request: FastifyRequest,
    upstream: string,
    read: Exclude<BodyOutcome, { kind: 'body' }> | undefined,
    outcome: Extract<ForwardOutcome, { kind: 'response' }>,
    started: number,
  ): ApiError {
    const kind = bodyFailure(read);
    const status = outcome.response.statusCode;
    if (kind === 'invalid_response') this.deps.metrics.answered(upstream, status, outcome.elapsedMs);
    return this.#failure(request, upstream, kind, this.deps.now() - started, status);
  }

  #failure(
    request: FastifyRequest,
    upstream: string,
    kind: UpstreamErrorKind,
    elapsedMs: number,
    upstreamStatus?: number,
  ): ApiError {
    this.deps.metrics.failed(upstream, kind);
    const code = kind === 'invalid_response' ? 'upstream.invalid_response' : FAILURES[kind];
    request.tessera.auditDetail = {
      upstream,
      ...(upstreamStatus === undefined ? {} : { upstream_status: upstreamStatus }),
      upstream_error: kind,
      upstream_latency_ms: Math.round(elapsedMs),
    };
    request.tessera.errorCode = code;
    return apiError(code);
  }

  #auditEvent(request: FastifyRequest, status: number) {
    return auditEventFor(request, status, this.deps.now());
  }
}

/** The Content-Length the upstream declared, or Infinity when it declared none (or an unreadable one). */
function declaredLength(response: UpstreamResponse): number {
  const header = response.headers['content-length'];
  return typeof header === 'string' && /^\d{1,15}$/.test(header) ? Number(header) : Number.POSITIVE_INFINITY;
}

function bodyFailure(read: Exclude<BodyOutcome, { kind: 'body' }> | undefined): UpstreamErrorKind {
  if (read?.kind === 'too_large') return 'invalid_response';
  return read?.kind ?? 'unavailable';
}

function storable(response: UpstreamResponse, body: Buffer): StoredGatewayResponse {
  const location = response.headers.location;
  return {
    status: response.statusCode,
    contentType: response.headers['content-type'] ?? null,
    location: typeof location === 'string' ? location : null,
    body,
  };
}

function replay(reply: FastifyReply, stored: StoredGatewayResponse): FastifyReply {
  reply.code(stored.status).header('idempotent-replayed', 'true');
  if (stored.contentType) reply.header('content-type', stored.contentType);
  if (stored.location) reply.header('location', stored.location);
  return reply.send(stored.body);
}
