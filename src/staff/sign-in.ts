// Staff sign-in with OpenID Connect (openid-client): authorization code with PKCE, state and nonce. The
// three one-time values travel in an HttpOnly, SameSite=Lax cookie of the browser that started the
// sign-in, so any node can finish it. MFA and roles are read from the ID token the provider signed; a
// sign-in without a second factor or without a Tessera role ends on a refusal page, never in a session.
import * as oidc from 'openid-client';
import type { StaffOidcConfig } from '../config.ts';
import { isLoopbackHost } from '../net/loopback.ts';
import { provesMfa, rolesFrom, type StaffRole } from './identity.ts';

export interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
}

export type SignInResult =
  | { kind: 'signed_in'; issuer: string; subject: string; email: string | null; roles: StaffRole[] }
  | { kind: 'refused'; reason: 'no_mfa' | 'no_role'; subject: string; email: string | null }
  | { kind: 'failed' };

export class StaffSignIn {
  #config: Promise<oidc.Configuration> | undefined;

  constructor(private readonly settings: StaffOidcConfig) {}

  async start(): Promise<{ url: string; pending: PendingSignIn }> {
    const config = await this.#discover();
    const pending = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.#redirectUri(),
      scope: 'openid email groups',
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  async finish(callbackUrl: URL, pending: PendingSignIn): Promise<SignInResult> {
    let claims: oidc.IDToken | undefined;
    try {
      const config = await this.#discover();
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch {
      return { kind: 'failed' };
    }
    if (!claims) return { kind: 'failed' };
    const email = typeof claims.email === 'string' ? claims.email : null;
    if (!provesMfa(claims, this.settings.acceptedAcr))
      return { kind: 'refused', reason: 'no_mfa', subject: claims.sub, email };
    const roles = rolesFrom(claims, this.settings.rolesClaim);
    if (roles.length === 0) return { kind: 'refused', reason: 'no_role', subject: claims.sub, email };
    return { kind: 'signed_in', issuer: this.settings.issuer, subject: claims.sub, email, roles };
  }

  #redirectUri(): string {
    if (!this.settings.redirectUrl) throw new Error('TESSERA_STAFF_OIDC_REDIRECT_URL is not set');
    return this.settings.redirectUrl;
  }

  #discover(): Promise<oidc.Configuration> {
    const issuer = new URL(this.settings.issuer);
    // Plain HTTP only for a provider on this machine (development and tests).
    const insecure = issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname);
    this.#config ??= oidc
      .discovery(issuer, this.settings.clientId, this.settings.clientSecret, undefined, {
        ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
      })
      .catch((error: unknown) => {
        this.#config = undefined;
        throw error;
      });
    return this.#config;
  }
}

export function encodePending(pending: PendingSignIn): string {
  return Buffer.from(JSON.stringify(pending)).toString('base64url');
}

export function decodePending(value: string | undefined): PendingSignIn | undefined {
  if (value === undefined || value.length > 1_000) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<PendingSignIn>;
    const ok = [parsed.state, parsed.nonce, parsed.verifier].every(
      (v) => typeof v === 'string' && v.length <= 200,
    );
    return ok ? (parsed as PendingSignIn) : undefined;
  } catch {
    return undefined;
  }
}
