// A stand-in staff OpenID Provider for the admin API tests: it serves a discovery document and a JWKS on
// a loopback port and signs access tokens with its own key, so Tessera checks them exactly as it would
// Keycloak's (discovery, JWKS fetch, signature, issuer, audience, expiry). Times come from the test's clock.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

export interface TokenIssuer {
  issuer: string;
  /** A signed access token; `claims` override the defaults (MFA via amr, one role, aud tessera-admin-api). */
  token(subject: string, claims?: JWTPayload & { groups?: string[] }, issuedAt?: number): Promise<string>;
  close(): Promise<void>;
}

export const AUDIENCE = 'tessera-staff';

export async function startTokenIssuer(): Promise<TokenIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  let issuer = '';
  const server: Server = createServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    if (request.url === '/.well-known/openid-configuration') {
      response.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    } else if (request.url === '/jwks') {
      response.end(JSON.stringify({ keys: [jwk] }));
    } else {
      response.statusCode = 404;
      response.end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    async token(subject, claims = {}, issuedAt = Date.now()) {
      const iat = Math.floor(issuedAt / 1000);
      return new SignJWT({
        email: `${subject}@staff.example`,
        amr: ['pwd', 'otp'],
        sid: `sid-${subject}`,
        groups: ['tessera-admin'],
        ...claims,
      })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setIssuer(String(claims.iss ?? issuer))
        .setAudience(claims.aud ?? AUDIENCE)
        .setSubject(subject)
        .setIssuedAt(iat)
        .setExpirationTime(iat + 300)
        .sign(privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function staffEnv(issuer: TokenIssuer): Record<string, string> {
  return {
    TESSERA_STAFF_OIDC_ISSUER: issuer.issuer,
    TESSERA_STAFF_OIDC_CLIENT_ID: AUDIENCE,
  };
}
