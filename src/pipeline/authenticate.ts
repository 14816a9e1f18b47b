// Stage: the bearer API key (seed 001). Missing, malformed and invalid keys get the seed's codes verbatim;
// an invalid key names no reason, so a caller cannot tell an unknown prefix from a wrong secret.
import { apiError } from '../errors.ts';
import { parseBearer } from '../keys/format.ts';
import type { KeyVerifier } from '../keys/verifier.ts';
import type { Stage } from './stage.ts';

export function authenticate(verifier: KeyVerifier): Stage {
  return async function authenticateApiKey(request) {
    const parsed = parseBearer(request.headers.authorization);
    if (parsed.kind === 'missing') throw apiError('auth.api_key.missing');
    if (parsed.kind === 'malformed') throw apiError('auth.api_key.malformed');
    const result = await verifier.verify(parsed.key, request.tessera.clientIp);
    switch (result.kind) {
      case 'valid':
        // Only a proven key learns that its partner is suspended; a guess gets the usual invalid-key answer.
        if (result.key.partnerSuspended) {
          request.tessera.claimedKey = result.key;
          throw apiError('partner.suspended');
        }
        request.tessera.key = result.key;
        request.tessera.setPresentedSecret(parsed.key.secret);
        return;
      case 'throttled':
        throw apiError('auth.throttled', { headers: { 'retry-after': String(result.retryAfterSeconds) } });
      case 'invalid':
        request.tessera.claimedKey = result.key;
        throw apiError('auth.api_key.invalid');
    }
  };
}
