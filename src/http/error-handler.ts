// Renders every failure as `{code, message, request_id}` from the catalogue. Fastify's own errors are
// mapped onto catalogue codes; anything unexpected is logged on the server and answered with a bare
// internal.error: no stack trace, SQL or library message ever reaches a client.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { SigningKeyRetiredError } from '../audit/signing-keys.ts';
import { DatabaseUnavailableError } from '../db/database.ts';
import { ApiError, apiError, errorBody } from '../errors.ts';
import { validationDetails } from './validator.ts';

const FRAMEWORK_CODES: Record<string, Parameters<typeof apiError>[0]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'request.body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'request.unsupported_media_type',
  FST_ERR_CTP_INVALID_TYPE: 'request.unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request.malformed_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'request.malformed_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request.invalid',
  FST_ERR_BAD_URL: 'request.invalid',
};

/**
 * A failure that says nothing is wrong with the request and nothing was done: the database is unreachable,
 * or this node's audit signing key was retired by a newer one (a rotation under way). The API answers 503
 * service.unavailable, the consoles a page that says to try again.
 */
export function isTemporarilyUnavailable(error: unknown): boolean {
  return error instanceof DatabaseUnavailableError || error instanceof SigningKeyRetiredError;
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isTemporarilyUnavailable(error))
    return apiError('service.unavailable', { headers: { 'retry-after': '1' } });
  const fastifyError = error as Partial<FastifyError> & {
    validation?: unknown[];
    validationContext?: string;
  };
  if (Array.isArray(fastifyError.validation)) {
    return apiError('request.invalid', {
      details: validationDetails(fastifyError.validation as never, fastifyError.validationContext),
    });
  }
  const mapped = fastifyError.code ? FRAMEWORK_CODES[fastifyError.code] : undefined;
  if (mapped) return apiError(mapped);
  if (fastifyError.statusCode === 413) return apiError('request.body_too_large');
  if (fastifyError.statusCode === 415) return apiError('request.unsupported_media_type');
  if (fastifyError.statusCode === 400) return apiError('request.invalid');
  return apiError('internal.error');
}

export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const apiErr = toApiError(error);
  if (apiErr.code === 'internal.error') {
    request.log.error({ err: error, event: 'request.failed' }, 'unexpected error');
  }
  request.tessera.errorCode = apiErr.code;
  for (const [name, value] of Object.entries(apiErr.headers)) reply.header(name, value);
  // A body that stopped arriving in time leaves the stream unusable: end the connection with the answer.
  if (apiErr.code === 'request.timeout') reply.header('connection', 'close');
  reply
    .code(apiErr.status)
    .type('application/json; charset=utf-8')
    .send(errorBody(apiErr, request.tessera.requestId));
}
