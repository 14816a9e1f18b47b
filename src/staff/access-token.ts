// Checks a staff access token presented to /admin/v1/*: a JWT signed by a key in the provider's JWKS,
// with our issuer and audience, unexpired (clock injected), proving MFA and carrying a Tessera role. The
// result is a value; any exception during verification is a refusal (never trust what a token says about
// itself until its signature has been checked against the issuer's keys).
import { type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { provesMfa, rolesFrom, type StaffChannel, type StaffPerson } from './identity.ts';
import { providerKeys } from './provider-keys.ts';

export interface StaffTokenSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly acceptedAcr: readonly string[];
  readonly rolesClaim: string;
}

export type StaffTokenResult =
  | { kind: 'valid'; person: StaffPerson }
  | { kind: 'invalid'; reason: 'signature' | 'claims' | 'no_mfa' | 'no_role' };

const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const CLOCK_TOLERANCE_S = 30;

export class StaffTokenVerifier {
  readonly #keys: JWTVerifyGetKey;

  constructor(
    private readonly settings: StaffTokenSettings,
    private readonly now: () => number = Date.now,
    keys?: JWTVerifyGetKey,
  ) {
    this.#keys = keys ?? providerKeys(settings.issuer);
  }

  async verify(token: string, channel: StaffChannel): Promise<StaffTokenResult> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ALGORITHMS,
        currentDate: new Date(this.now()),
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch {
      return { kind: 'invalid', reason: 'signature' };
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') return { kind: 'invalid', reason: 'claims' };
    if (!provesMfa(payload, this.settings.acceptedAcr)) return { kind: 'invalid', reason: 'no_mfa' };
    const roles = rolesFrom(payload, this.settings.rolesClaim);
    if (roles.length === 0) return { kind: 'invalid', reason: 'no_role' };
    return {
      kind: 'valid',
      person: {
        kind: 'person',
        issuer: this.settings.issuer,
        subject: payload.sub,
        email: typeof payload.email === 'string' ? payload.email : null,
        roles,
        sessionId: typeof payload.sid === 'string' ? payload.sid : null,
        channel,
      },
    };
  }
}

/** A compact JWS has three base64url parts; the admin token never contains a dot. */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}
