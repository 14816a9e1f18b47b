// The one catalogue of error codes. Every error response Tessera sends is built from an entry here, so
// the status code and the public message of a code are chosen in exactly one place. A test pins this
// table against the README's error table.

export const errorCatalogue = {
  'auth.api_key.missing': { status: 401, message: 'The Authorization header is missing.' },
  'auth.api_key.malformed': {
    status: 401,
    message: 'The Authorization header must be "Bearer sk_(live|test)_<prefix>_<secret>".',
  },
  'auth.api_key.invalid': { status: 401, message: 'The API key is not valid.' },
  'auth.throttled': { status: 429, message: 'Too many failed authentication attempts; retry later.' },
  'auth.timestamp.missing': { status: 401, message: 'The X-Timestamp header is required on writes.' },
  'auth.timestamp.malformed': { status: 401, message: 'X-Timestamp must be an integer of epoch seconds.' },
  'auth.timestamp.skew': { status: 401, message: 'X-Timestamp is more than 300 seconds from server time.' },
  'auth.signature.missing': { status: 401, message: 'The X-Signature header is required on writes.' },
  'auth.signature.invalid': { status: 401, message: 'The request signature does not match.' },
  'auth.signature.replayed': {
    status: 401,
    message: 'This signature was already used with another Idempotency-Key.',
  },
  'auth.permission.denied': {
    status: 403,
    message: 'The API key does not have the permission for this call.',
  },
  'auth.ip.forbidden': { status: 403, message: 'Requests from this IP address are not allowed.' },
  'transport.https_required': { status: 403, message: 'This endpoint is served over HTTPS only.' },
  'admin.token.missing': { status: 401, message: 'The admin Authorization header is missing.' },
  'admin.token.invalid': { status: 401, message: 'The admin token is not valid.' },
  'idempotency.key.required': { status: 400, message: 'The Idempotency-Key header is required on writes.' },
  'idempotency.key.malformed': { status: 400, message: 'Idempotency-Key must be a UUID v4.' },
  'idempotency.key.conflict': {
    status: 422,
    message: 'This Idempotency-Key was already used with a different request.',
  },
  'idempotency.key.in_progress': {
    status: 409,
    message: 'A request with this Idempotency-Key is still being processed.',
  },
  'rate_limit.exceeded': { status: 429, message: 'Rate limit exceeded; retry after the indicated delay.' },
  'request.malformed_json': { status: 400, message: 'The request body is not valid JSON.' },
  'request.invalid': { status: 400, message: 'The request is not valid.' },
  'request.body_too_large': { status: 413, message: 'The request body is too large.' },
  'request.timeout': { status: 408, message: 'The request body did not arrive in time.' },
  'request.unsupported_media_type': { status: 415, message: 'The request body must be application/json.' },
  'resource.not_found': { status: 404, message: 'The resource does not exist.' },
  'quote.expired': { status: 409, message: 'The quote has expired.' },
  'quote.already_booked': { status: 409, message: 'The quote has already been booked.' },
  'booking.already_cancelled': { status: 409, message: 'The booking is already cancelled.' },
  'key.revoked': { status: 409, message: 'The key is revoked; create a new key instead.' },
  'user.email_taken': { status: 409, message: 'A console user with this email address already exists.' },
  'route.not_found': { status: 404, message: 'No route matches this method and path.' },
  'method.not_allowed': { status: 405, message: 'This method is not allowed on this path.' },
  'service.unavailable': { status: 503, message: 'The service is temporarily unavailable; retry later.' },
  'internal.error': { status: 500, message: 'An unexpected error occurred.' },
  'upstream.unavailable': { status: 502, message: 'The upstream service could not be reached.' },
  'upstream.timeout': { status: 504, message: 'The upstream service did not answer in time.' },
  'upstream.invalid_response': {
    status: 502,
    message: 'The upstream service sent a response Tessera cannot use.',
  },
  'partner.suspended': { status: 403, message: 'The partner is suspended.' },
  'staff.mfa_required': {
    status: 403,
    message: 'Staff sign-in requires a second factor; sign in again with multi-factor authentication.',
  },
  'staff.forbidden': { status: 403, message: 'Your staff role does not allow this action.' },
  'approval.self_approval': {
    status: 403,
    message: 'A request must be approved or rejected by another administrator.',
  },
  'approval.not_pending': { status: 409, message: 'The approval request was already decided.' },
  'approval.expired': { status: 409, message: 'The approval request has expired; it will never run.' },
  'partner.not_suspended': { status: 409, message: 'The partner is not suspended.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export interface ErrorDetail {
  field: string;
  message: string;
}

/** An expected, catalogued failure: thrown by stages and handlers, rendered by the error handler. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, options: { details?: ErrorDetail[]; headers?: Record<string, string> } = {}) {
    super(errorCatalogue[code].message);
    this.name = 'ApiError';
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export function apiError(
  code: ErrorCode,
  options?: { details?: ErrorDetail[]; headers?: Record<string, string> },
): ApiError {
  return new ApiError(code, options);
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  request_id: string;
  details?: ErrorDetail[];
}

export function errorBody(error: ApiError, requestId: string): ErrorBody {
  const body: ErrorBody = { code: error.code, message: error.message, request_id: requestId };
  if (error.details) body.details = error.details;
  return body;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCatalogue, value);
}
