// Counts failed authentications per client IP and per key prefix in fixed windows. Once a counter reaches
// the limit, requests on that IP or prefix that would need an Argon2id verification are refused with
// auth.throttled until the window ends, so an attacker cannot make the server burn Argon2id at will.
// A key already verified on this node never reaches the throttle, so floods do not slow valid keys.

interface Window {
  count: number;
  endsAt: number;
}

export class FailureThrottle {
  readonly #windows = new Map<string, Window>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxTracked = 100_000,
  ) {}

  /** Milliseconds until the subject may try again, or 0 when it is not throttled. */
  retryAfterMs(subjects: readonly string[], now: number): number {
    let wait = 0;
    for (const subject of subjects) {
      const window = this.#windows.get(subject);
      if (window && window.endsAt > now && window.count >= this.limit) {
        wait = Math.max(wait, window.endsAt - now);
      }
    }
    return wait;
  }

  recordFailure(subjects: readonly string[], now: number): void {
    for (const subject of subjects) {
      const window = this.#windows.get(subject);
      if (window && window.endsAt > now) {
        window.count++;
        continue;
      }
      this.#windows.delete(subject);
      if (this.#windows.size >= this.maxTracked) this.#evictExpiredOrOldest(now);
      this.#windows.set(subject, { count: 1, endsAt: now + this.windowMs });
    }
  }

  #evictExpiredOrOldest(now: number): void {
    for (const [subject, window] of this.#windows) {
      if (window.endsAt <= now) this.#windows.delete(subject);
    }
    if (this.#windows.size >= this.maxTracked) {
      const oldest = this.#windows.keys().next().value;
      if (oldest !== undefined) this.#windows.delete(oldest);
    }
  }
}
