// The one fixed-window counter: a count per bucket that starts at the bucket's first hit and resets when its
// window ends. It serves the per-key rate limit (in memory), the per-address authentication failure throttle
// and the per-address unauthenticated limit; database-window-counter.ts keeps the same contract in a table
// for the console's throttles, which every node must share. Memory is bounded: a full table first drops ended windows,
// then the oldest one, so a flood of new buckets cannot grow it.

export interface WindowCount {
  /** Hits counted in the current window (this one included, for a hit). */
  count: number;
  /** Milliseconds until the window resets (0 when no window is open). */
  resetInMs: number;
}

interface Window {
  count: number;
  endsAt: number;
}

export class FixedWindowCounter {
  readonly #windows = new Map<string, Window>();

  constructor(private readonly maxBuckets = 100_000) {}

  get size(): number {
    return this.#windows.size;
  }

  /** Counts one hit in the bucket's current window, opening a new window when none is open. */
  hit(bucket: string, windowMs: number, now: number): WindowCount {
    let window = this.#open(bucket, now);
    if (!window) {
      if (this.#windows.size >= this.maxBuckets) this.#evict(now);
      window = { count: 0, endsAt: now + windowMs };
      this.#windows.set(bucket, window);
    }
    window.count++;
    return { count: window.count, resetInMs: window.endsAt - now };
  }

  /** The bucket's current count, without counting anything. */
  peek(bucket: string, now: number): WindowCount {
    const window = this.#open(bucket, now);
    return window ? { count: window.count, resetInMs: window.endsAt - now } : { count: 0, resetInMs: 0 };
  }

  clear(bucket: string): void {
    this.#windows.delete(bucket);
  }

  #open(bucket: string, now: number): Window | undefined {
    const window = this.#windows.get(bucket);
    if (window && window.endsAt > now) return window;
    if (window) this.#windows.delete(bucket);
    return undefined;
  }

  #evict(now: number): void {
    for (const [bucket, window] of this.#windows) if (window.endsAt <= now) this.#windows.delete(bucket);
    if (this.#windows.size < this.maxBuckets) return;
    const oldest = this.#windows.keys().next().value;
    if (oldest !== undefined) this.#windows.delete(oldest);
  }
}
