// A clock for tests: it starts at a fixed instant, so no test's outcome depends on the calendar day it runs
// (issue 10, item 1). It keeps ticking with elapsed monotonic time, because two identical signed writes in
// the same second are rightly refused as a replay; tests that need time to pass call `advance` instead of
// sleeping. The server and the signing client share it.
import { performance } from 'node:perf_hooks';

/** Noon UTC on 2026-06-15: an ordinary day, far from any month or year boundary. */
export const FIXED_NOW = Date.UTC(2026, 5, 15, 12, 0, 0);

export class TestClock {
  readonly #startedAt = performance.now();
  #offsetMs = 0;

  constructor(readonly start: number = FIXED_NOW) {}

  readonly now = (): number => Math.floor(this.start + this.#offsetMs + performance.now() - this.#startedAt);

  advance(ms: number): void {
    this.#offsetMs += ms;
  }
}
