// Verifying Tessera-Assertion: everything a service behind Tessera needs, with `jose` and nothing else.
// The assertion proves that Tessera authenticated the caller (key, signature, allowlist, scope) for THIS
// request: its method, its path with query and, through the digest, its body. Anything else is refused.
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';

export function assertionVerifier({ jwksUrl, issuer, audience, now = () => Date.now() }) {
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  return async function verifyAssertion(request, body) {
    const token = request.headers['tessera-assertion'];
    if (typeof token !== 'string') return { ok: false, reason: 'no assertion' };
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer,
        audience,
        algorithms: ['EdDSA'],
        currentDate: new Date(now()),
        maxTokenAge: '60s',
        requiredClaims: ['iat', 'exp', 'sub', 'jti', 'htm', 'htu'],
      });
      if (payload.exp - payload.iat > 60) return { ok: false, reason: 'lifetime over 60 s' };
      if (payload.htm !== request.method) return { ok: false, reason: 'another method' };
      if (payload.htu !== request.url) return { ok: false, reason: 'another path or query' };
      const digest = body.length > 0 ? `sha-256=:${createHash('sha256').update(body).digest('base64')}:` : undefined;
      if (payload.content_digest !== digest) return { ok: false, reason: 'another body' };
      if (digest !== undefined && request.headers['content-digest'] !== digest) {
        return { ok: false, reason: 'Content-Digest does not match the body' };
      }
      return { ok: true, claims: payload };
    } catch (error) {
      return { ok: false, reason: error?.code ?? 'invalid assertion' };
    }
  };
}
