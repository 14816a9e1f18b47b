// Tessera-Assertion: the proof an upstream gets of who called it, a compact JWS (EdDSA, Ed25519) that any
// JOSE library checks against GET /.well-known/jwks.json. It binds the caller (partner, environment, key,
// scopes) to this one request: method, path with query and, when there is a body, its RFC 9530 digest,
// and it lives 60 seconds at most, so a captured assertion cannot be replayed later or on another request.
import { createHash, sign } from 'node:crypto';
import type { Environment } from '../db/database.ts';
import type { AssertionKey } from './signing-key.ts';

export const ASSERTION_LIFETIME_SECONDS = 60;

export interface AssertionSubject {
  readonly issuer: string;
  readonly audience: string;
  readonly partnerId: string;
  readonly environment: Environment;
  readonly keyId: string;
  readonly scopes: readonly string[];
  readonly requestId: string;
  readonly method: string;
  /** The request target exactly as received: path and query. */
  readonly target: string;
  readonly contentDigest: string | undefined;
}

/** RFC 9530 Content-Digest with SHA-256, as a structured-field dictionary: `sha-256=:<base64>:`. */
export function contentDigest(body: Buffer): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
}

/**
 * The compact JWS (RFC 7515 §7.1) of the subject's claims, signed with Ed25519 (RFC 8037). Built directly
 * rather than through WebCrypto: signing is one synchronous call on a KeyObject made once at start (no
 * thread-pool round trip per request), and the protected header is encoded once per key.
 */
export function signAssertion(key: AssertionKey, subject: AssertionSubject, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const claims: Record<string, string | number> = {
    iss: subject.issuer,
    aud: subject.audience,
    sub: subject.partnerId,
    jti: subject.requestId,
    iat,
    exp: iat + ASSERTION_LIFETIME_SECONDS,
    tessera_environment: subject.environment,
    tessera_key: subject.keyId,
    scope: subject.scopes.join(' '),
    htm: subject.method,
    htu: subject.target,
  };
  if (subject.contentDigest) claims.content_digest = subject.contentDigest;
  const signingInput = `${key.encodedHeader}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = sign(null, Buffer.from(signingInput), key.privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}

/** The JWS protected header of every assertion one key signs, base64url-encoded. */
export function encodedProtectedHeader(kid: string): string {
  return Buffer.from(JSON.stringify({ alg: 'EdDSA', kid })).toString('base64url');
}
