// Stage: HMAC-SHA256 request signatures on writes (seed 001). The signature covers
// `{X-Timestamp}\n{METHOD}\n{path-with-query}\n{body}` over the request target exactly as sent and the body
// bytes exactly as received, so a body re-serialised in transit (whitespace, key order) fails.
// Replays of an accepted signature under another Idempotency-Key are caught inside the write transaction
// (see write-transaction.ts), where the check and the write commit together. The header is decoded once, to
// the 32 bytes it names, and both checks use those bytes: hex is case-insensitive, so `AB…` and `ab…` are
// the same signature, and a replay store keyed on the text as sent let an upper-case copy through.
import { timingSafeEqual } from 'node:crypto';
import { hmacSha256 } from '../crypto.ts';
import { apiError } from '../errors.ts';
import type { Stage } from './stage.ts';

export const MAX_SKEW_SECONDS = 300;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
const NO_SIGNATURE = Buffer.alloc(32);

/** X-Signature as the HMAC it encodes: exactly 64 hex digits, in any case, else undefined. */
export function decodeSignature(header: string): Buffer | undefined {
  return HEX_SHA256.test(header) ? Buffer.from(header, 'hex') : undefined;
}

export function canonicalRequest(timestamp: string, method: string, target: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}\n${method}\n${target}\n`, 'utf8'), body]);
}

export function verifySignature(now: () => number): Stage {
  return function verifyRequestSignature(request) {
    const timestamp = single(request.headers['x-timestamp']);
    if (timestamp === undefined) throw apiError('auth.timestamp.missing');
    if (!/^\d{1,12}$/.test(timestamp)) throw apiError('auth.timestamp.malformed');
    if (Math.abs(Number(timestamp) - Math.floor(now() / 1000)) > MAX_SKEW_SECONDS) {
      throw apiError('auth.timestamp.skew');
    }

    const signature = single(request.headers['x-signature']);
    if (signature === undefined) throw apiError('auth.signature.missing');
    const secret = request.tessera.presentedSecret();
    if (!secret) throw new Error('verifySignature ran before authentication');
    const expected = hmacSha256(
      secret,
      canonicalRequest(timestamp, request.method, request.url, request.rawBody ?? Buffer.alloc(0)),
    );
    const presented = decodeSignature(signature);
    // Malformed hex is compared against zeros so it fails in the same time as a wrong signature.
    const matches = timingSafeEqual(presented ?? NO_SIGNATURE, expected);
    if (!presented || !matches) throw apiError('auth.signature.invalid');
    request.tessera.signature = presented;
  };
}

function single(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : '';
  return value === '' ? undefined : value;
}
