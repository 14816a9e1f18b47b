// The reusable parts of the OpenAPI document: the bearer key scheme, the three headers a signed write
// carries (seed 001), the replay header, and the one error shape every failure uses.
import { errorCatalogue } from '../errors.ts';

export const API_DESCRIPTION = `Every request carries \`Authorization: Bearer sk_(live|test)_<prefix>_<secret>\`.
Test keys see only sandbox data; live keys only production data.

Every write (POST, PUT, PATCH, DELETE) also carries three headers:

- \`Idempotency-Key\`: a UUID v4, one per logical operation. Retrying with the same key and the same request
  returns the original status and body again, with \`Idempotent-Replayed: true\`. Keys are kept for 24 hours.
- \`X-Timestamp\`: the current time in epoch seconds; refused when more than 300 seconds from server time.
- \`X-Signature\`: \`hex(HMAC-SHA256(secret, "{X-Timestamp}\\n{METHOD}\\n{path-with-query}\\n{body}"))\`, where
  \`secret\` is the part of the key after the prefix, \`path-with-query\` is the request target exactly as sent
  and \`body\` the exact bytes sent. Re-serialising the JSON (whitespace, key order) breaks the signature.

Every error is JSON \`{code, message, request_id}\` (plus \`details\` naming each offending field on
\`request.invalid\`). Another partner's resource, and a live resource seen with a test key, is
\`404 resource.not_found\`, exactly like one that does not exist.`;

export const SIGNED_WRITE_HEADERS = ['IdempotencyKey', 'XTimestamp', 'XSignature'] as const;

export function components() {
  return {
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'sk_(live|test)_<8-char prefix>_<48-char secret>',
        description: 'An API key. The secret is shown once, when the key is created.',
      },
    },
    parameters: {
      IdempotencyKey: {
        name: 'Idempotency-Key',
        in: 'header',
        required: true,
        description: 'UUID v4, unique per logical operation; reuse it only to retry the same request.',
        schema: { type: 'string', format: 'uuid' },
      },
      XTimestamp: {
        name: 'X-Timestamp',
        in: 'header',
        required: true,
        description: 'Epoch seconds, within 300 seconds of server time.',
        schema: { type: 'string', pattern: '^[0-9]+$' },
      },
      XSignature: {
        name: 'X-Signature',
        in: 'header',
        required: true,
        description: 'hex(HMAC-SHA256(secret, "{X-Timestamp}\\n{METHOD}\\n{path-with-query}\\n{body}")).',
        schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      },
    },
    headers: {
      IdempotentReplayed: {
        description:
          'Present (`true`) when this is the stored answer to an earlier request with the same key.',
        schema: { type: 'string', enum: ['true'] },
      },
      RequestId: { description: 'The request id, also in error bodies.', schema: { type: 'string' } },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['code', 'message', 'request_id'],
        properties: {
          code: { type: 'string', enum: Object.keys(errorCatalogue) },
          message: { type: 'string' },
          request_id: { type: 'string' },
          details: {
            type: 'array',
            items: {
              type: 'object',
              required: ['field', 'message'],
              properties: { field: { type: 'string' }, message: { type: 'string' } },
            },
          },
        },
      },
    },
  };
}
