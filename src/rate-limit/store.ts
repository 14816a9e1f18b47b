// Fixed-window request counters. In memory by default; in Redis when several nodes must share one budget.

export interface WindowCount {
  /** Requests counted in the current window, this one included. */
  count: number;
  /** Milliseconds until the window resets. */
  resetInMs: number;
}

export interface RateLimitStore {
  hit(bucket: string, windowMs: number): Promise<WindowCount>;
  close(): Promise<void>;
}

export class MemoryRateLimitStore implements RateLimitStore {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxBuckets = 100_000,
  ) {}

  async hit(bucket: string, windowMs: number): Promise<WindowCount> {
    const now = this.now();
    let window = this.#windows.get(bucket);
    if (!window || window.resetAt <= now) {
      if (this.#windows.size >= this.maxBuckets) this.#sweep(now);
      window = { count: 0, resetAt: now + windowMs };
      this.#windows.set(bucket, window);
    }
    window.count++;
    return { count: window.count, resetInMs: window.resetAt - now };
  }

  #sweep(now: number): void {
    for (const [bucket, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(bucket);
  }

  async close(): Promise<void> {}
}
