// When to try again, and how long to wait. Retrying a write is safe only because every attempt of one
// logical operation carries the same Idempotency-Key, so the server runs it at most once.

const BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 5_000;

/**
 * Statuses worth another attempt: 409 only for `idempotency.key.in_progress` (the first attempt is still
 * running server-side), 429 (rate_limit.exceeded, auth.throttled) and every 5xx. Any other 4xx means the
 * request itself is wrong and would fail the same way again.
 */
export function isRetryableStatus(status: number, code: string | undefined): boolean {
  if (status === 409) return code === 'idempotency.key.in_progress';
  return status === 429 || status >= 500;
}

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"):
 * a uniform delay in [0, min(cap, base * 2^(n-1))) after the n-th failed attempt, so that clients that
 * failed together do not retry together.
 */
export function backoffDelayMs(failedAttempts: number, random: () => number): number {
  const exponent = Math.max(0, failedAttempts - 1);
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/**
 * Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns milliseconds to wait,
 * or undefined when the header is absent or unreadable. `nowMs` is the caller's best estimate of server time.
 */
export function parseRetryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Every HTTP-date form starts with a day name; Date.parse alone would read '-3' as a year.
  const date = /^[A-Za-z]/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
