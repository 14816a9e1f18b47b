// Stage: every write names its logical operation with an Idempotency-Key (a UUID v4). The claim itself is
// made inside the write transaction (write-transaction.ts); this stage only checks the header.
import { apiError } from '../errors.ts';
import type { Stage } from './stage.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export const requireIdempotencyKey: Stage = function requireIdempotencyKey(request) {
  const header = request.headers['idempotency-key'];
  if (header === undefined || header === '') throw apiError('idempotency.key.required');
  if (typeof header !== 'string' || !UUID_V4.test(header)) throw apiError('idempotency.key.malformed');
  request.tessera.idempotencyKey = header.toLowerCase();
};
