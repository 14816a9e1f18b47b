// The signing contract of the seed, written once: the key format, the canonical string and the HMAC.
// Everything here is pure so the exact bytes can be pinned by tests.
import { createHmac } from 'node:crypto';

export type Environment = 'live' | 'test';

// sk_(live|test)_<8-character prefix>_<48-character secret>; the secret is the HMAC key.
const API_KEY_PATTERN = /^sk_(live|test)_([A-Za-z0-9]{8})_([A-Za-z0-9]{48})$/;

export interface ParsedApiKey {
  readonly environment: Environment;
  readonly prefix: string;
  readonly secret: string;
}

/** Splits an API key into its parts, or returns undefined when it does not follow the format. */
export function parseApiKey(apiKey: string): ParsedApiKey | undefined {
  const match = API_KEY_PATTERN.exec(apiKey);
  if (match === null) return undefined;
  const [, environment, prefix, secret] = match;
  if (environment !== 'live' && environment !== 'test') return undefined;
  if (prefix === undefined || secret === undefined) return undefined;
  return { environment, prefix, secret };
}

export interface CanonicalRequest {
  /** Epoch seconds, exactly as sent in X-Timestamp. */
  readonly timestamp: string;
  /** Upper-case HTTP method. */
  readonly method: string;
  /** The request target as sent: path plus query string, e.g. `/v1/bookings?limit=10`. */
  readonly pathWithQuery: string;
  /** The exact body string sent; reformatting it breaks the signature. */
  readonly body: string;
}

export function canonicalString(request: CanonicalRequest): string {
  return `${request.timestamp}\n${request.method}\n${request.pathWithQuery}\n${request.body}`;
}

/** hex(HMAC-SHA256(secret, `${timestamp}\n${METHOD}\n${pathWithQuery}\n${body}`)) */
export function signRequest(secret: string, request: CanonicalRequest): string {
  return createHmac('sha256', secret).update(canonicalString(request), 'utf8').digest('hex');
}

/** Epoch seconds as X-Timestamp carries them, from a millisecond clock reading. */
export function epochSeconds(milliseconds: number): string {
  return String(Math.floor(milliseconds / 1000));
}
