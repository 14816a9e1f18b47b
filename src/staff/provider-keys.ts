// The staff OpenID Provider's signing keys, found through its discovery document on first use (so Tessera
// starts while the provider is down) and then cached and refreshed by jose's remote JWKS set.
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

const TIMEOUT_MS = 5_000;

export function providerKeys(issuer: string): JWTVerifyGetKey {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  return async (header, token) => {
    keys ??= discoverJwks(issuer).catch((error: unknown) => {
      keys = undefined; // try discovery again on the next token
      throw error;
    });
    return (await keys)(header, token);
  };
}

async function discoverJwks(issuer: string): Promise<JWTVerifyGetKey> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!response.ok) throw new Error(`staff OIDC discovery answered ${response.status}`);
  const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  // RFC 8414 §3.3: the document must name the issuer we asked for, or it is not that issuer's.
  if (document.issuer !== issuer || typeof document.jwks_uri !== 'string') {
    throw new Error('staff OIDC discovery document does not match the configured issuer');
  }
  return createRemoteJWKSet(new URL(document.jwks_uri), { timeoutDuration: TIMEOUT_MS });
}
