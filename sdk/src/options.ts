// The knobs a caller can set for the whole client and override for one call, validated in one place so a
// bad value fails when it is given, not somewhere inside the retry loop.

/** Per-call overrides, accepted by every resource method. */
export interface RequestOptions {
  /** Budget for this call in milliseconds, across all attempts and waits; default the client's `timeoutMs`. */
  readonly timeout?: number | undefined;
  /** Attempts for this call, including the first; default the client's `maxAttempts`. */
  readonly maxAttempts?: number | undefined;
  /** Aborts the call (the request in flight and any wait before a retry); it rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
}

/** Per-call options for writes. */
export interface WriteOptions extends RequestOptions {
  /** Your own key for this logical operation (UUID v4); a fresh one is generated when omitted. */
  readonly idempotencyKey?: string | undefined;
}

export function checkMaxAttempts(value: number, name = 'maxAttempts'): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be an integer of at least 1`);
  return value;
}

export function checkTimeout(value: number, name = 'timeoutMs'): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number`);
  return value;
}

/** Only the option fields, so nothing else a caller's object carries can reach the request. */
export function pickOptions(options: WriteOptions): WriteOptions {
  const { timeout, maxAttempts, signal, idempotencyKey } = options;
  return { timeout, maxAttempts, signal, idempotencyKey };
}
