// Counts failed authentications per client address (an IPv6 client per /64) in fixed windows. Once an
// address reaches the limit, its requests that would need an Argon2id verification are refused with
// auth.throttled until the window ends, so no address can make the server burn Argon2id at will.
// Never per key prefix: prefixes are not secret (the console and exports show them), and a count per prefix
// let anyone lock a partner out of its own valid key by sending wrong secrets from other addresses.
import { addressBucket } from '../net/address-bucket.ts';
import { FixedWindowCounter } from '../rate-limit/fixed-window.ts';

export class FailureThrottle {
  readonly #failures: FixedWindowCounter;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    maxTracked = 100_000,
  ) {
    this.#failures = new FixedWindowCounter(maxTracked);
  }

  /** Milliseconds until the address may try again, or 0 when it is not throttled. */
  retryAfterMs(clientIp: string, now: number): number {
    const { count, resetInMs } = this.#failures.peek(addressBucket(clientIp), now);
    return count >= this.limit ? resetInMs : 0;
  }

  recordFailure(clientIp: string, now: number): void {
    this.#failures.hit(addressBucket(clientIp), this.windowMs, now);
  }
}
