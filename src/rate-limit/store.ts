// Request counters for the per-key rate limit. In memory by default (the one fixed-window counter); in
// Redis when several nodes must share one budget.
import { FixedWindowCounter, type WindowCount } from './fixed-window.ts';

export type { WindowCount } from './fixed-window.ts';

export interface RateLimitStore {
  hit(bucket: string, windowMs: number): Promise<WindowCount>;
  close(): Promise<void>;
}

export class MemoryRateLimitStore implements RateLimitStore {
  readonly #counter: FixedWindowCounter;

  constructor(
    private readonly now: () => number = Date.now,
    maxBuckets = 100_000,
  ) {
    this.#counter = new FixedWindowCounter(maxBuckets);
  }

  async hit(bucket: string, windowMs: number): Promise<WindowCount> {
    return this.#counter.hit(bucket, windowMs, this.now());
  }

  async close(): Promise<void> {}
}
