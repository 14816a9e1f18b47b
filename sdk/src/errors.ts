// Two error classes callers can tell apart: the server answered with an error (TesseraError), or no
// usable answer arrived at all (TesseraConnectionError). Neither ever carries the API key or its secret.

/** The error codes the Tessera API documents; unknown future codes still arrive as plain strings. */
export type KnownErrorCode =
  | 'auth.api_key.missing'
  | 'auth.api_key.malformed'
  | 'auth.api_key.invalid'
  | 'auth.throttled'
  | 'auth.ip.forbidden'
  | 'auth.permission.denied'
  | 'auth.timestamp.missing'
  | 'auth.timestamp.malformed'
  | 'auth.timestamp.skew'
  | 'auth.signature.missing'
  | 'auth.signature.invalid'
  | 'auth.signature.replayed'
  | 'idempotency.key.required'
  | 'idempotency.key.malformed'
  | 'idempotency.key.conflict'
  | 'idempotency.key.in_progress'
  | 'rate_limit.exceeded'
  | 'request.invalid'
  | 'request.malformed_json'
  | 'request.body_too_large'
  | 'request.unsupported_media_type'
  | 'resource.not_found'
  | 'route.not_found'
  | 'method.not_allowed'
  | 'quote.expired'
  | 'quote.already_booked'
  | 'booking.already_cancelled'
  | 'service.unavailable'
  | 'internal.error'
  // Set by the SDK when an error response has no JSON error body (e.g. a proxy's HTML page).
  | 'response.unparseable';

// `string & {}` keeps editor completion for the known codes while accepting new ones.
export type ErrorCode = KnownErrorCode | (string & {});

export interface ErrorDetail {
  readonly field: string;
  readonly message: string;
}

export interface TesseraErrorInit {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
  readonly requestId: string | undefined;
  readonly details?: readonly ErrorDetail[] | undefined;
  readonly retryAfterMs?: number | undefined;
}

/** The server answered with an error status. `code` is the value to switch on. */
export class TesseraError extends Error {
  override readonly name = 'TesseraError';
  readonly status: number;
  readonly code: ErrorCode;
  readonly requestId: string | undefined;
  readonly details: readonly ErrorDetail[];
  /** The server's Retry-After, when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(init: TesseraErrorInit) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.details = init.details ?? [];
    this.retryAfterMs = init.retryAfterMs;
  }
}

export type ConnectionFailure = 'network' | 'timeout';

/** No response could be obtained: the connection failed, or the overall timeout elapsed. */
export class TesseraConnectionError extends Error {
  override readonly name = 'TesseraConnectionError';
  readonly kind: ConnectionFailure;
  /** How many attempts were made before giving up. */
  readonly attempts: number;

  constructor(kind: ConnectionFailure, message: string, attempts: number, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.attempts = attempts;
  }
}
