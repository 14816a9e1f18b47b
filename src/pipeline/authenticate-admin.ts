// Stage: staff authentication on /admin/v1/*. Two credentials are accepted: a person's access token from
// the staff OpenID Provider (a JWT checked against its JWKS), and the shared automation token (compared in
// constant time; switched off with TESSERA_ADMIN_TOKEN_ENABLED=false). Failures are counted per client
// address, and an address over the limit gets 429 before any token is checked, so the admin token cannot
// be guessed at speed (issue 10 item 9). Other addresses are never affected.
import type { FastifyRequest } from 'fastify';
import type { AdminTokenCheck } from '../admin/admin-token.ts';
import { apiError } from '../errors.ts';
import type { FailureThrottle } from '../keys/failure-throttle.ts';
import { looksLikeJwt, type StaffTokenVerifier } from '../staff/access-token.ts';
import type { StaffChannel } from '../staff/identity.ts';
import type { Stage } from './stage.ts';

export interface AdminCredentials {
  /** undefined when the automation token is disabled. */
  adminToken: AdminTokenCheck | undefined;
  /** undefined when staff single sign-on is not configured. */
  staffTokens: StaffTokenVerifier | undefined;
  throttle: FailureThrottle;
  now: () => number;
}

export function authenticateAdmin(credentials: AdminCredentials): Stage {
  return async function authenticateAdmin(request) {
    const header = request.headers.authorization;
    if (header === undefined || header === '') throw apiError('admin.token.missing');
    const subject = request.tessera.clientIp;
    const waitMs = credentials.throttle.retryAfterMs(subject, credentials.now());
    if (waitMs > 0) {
      throw apiError('auth.throttled', { headers: { 'retry-after': String(Math.ceil(waitMs / 1000)) } });
    }
    const token = /^Bearer (\S{1,8192})$/.exec(header)?.[1];
    const channel = channelOf(request);
    if (token !== undefined && looksLikeJwt(token) && credentials.staffTokens) {
      const result = await credentials.staffTokens.verify(token, channel);
      if (result.kind === 'valid') {
        prove(request, result.person);
        return;
      }
      credentials.throttle.recordFailure(subject, credentials.now());
      if (result.reason === 'no_mfa') throw apiError('staff.mfa_required');
      if (result.reason === 'no_role') throw apiError('staff.forbidden');
      throw apiError('admin.token.invalid');
    }
    if (token !== undefined && token.length <= 512 && credentials.adminToken?.verify(token)) {
      prove(request, { kind: 'automation', channel });
      return;
    }
    credentials.throttle.recordFailure(subject, credentials.now());
    throw apiError('admin.token.invalid');
  };
}

function prove(request: FastifyRequest, staff: NonNullable<FastifyRequest['tessera']['staff']>): void {
  request.tessera.admin = true;
  request.tessera.staff = staff;
}

/** The CLI names itself; the channel only labels the audit event, it grants nothing. */
function channelOf(request: FastifyRequest): StaffChannel {
  return request.headers['x-tessera-client'] === 'cli' ? 'cli' : 'admin_api';
}
