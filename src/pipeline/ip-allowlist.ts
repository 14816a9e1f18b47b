// Stage: the partner's IP allowlist (seed 000: "Requests from non-allowlisted IPs return 403 with an audit
// log entry"). The client IP is the socket peer, or X-Forwarded-For only when the peer is a trusted proxy.
import type { AllowlistCache } from '../allowlist/allowlist-cache.ts';
import { apiError } from '../errors.ts';
import type { IpMatcher } from '../net/cidr.ts';
import type { Stage } from './stage.ts';

export function partnerIpAllowlist(allowlists: AllowlistCache): Stage {
  return async function partnerIpAllowlist(request) {
    const key = request.tessera.key;
    if (!key) throw new Error('partnerIpAllowlist ran before authentication');
    if (!(await allowlists.isAllowed(key.partnerId, key.environment, request.tessera.clientIp))) {
      throw apiError('auth.ip.forbidden');
    }
  };
}

export function adminIpAllowlist(matcher: IpMatcher): Stage {
  return function adminIpAllowlist(request) {
    if (!matcher.matches(request.tessera.clientIp)) throw apiError('auth.ip.forbidden');
  };
}
