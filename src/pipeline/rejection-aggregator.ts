// Repeated identical rejections of unauthenticated requests (same address, same code, same route) become
// one audit event per window carrying their count, so a client without a key cannot grow the audit log
// without bound, and nothing is lost: the first rejection of a window is recorded at once, durable before
// its response like every other event; the repeats that follow are counted, and when the window ends (or
// the node shuts down) one more event records how many there were, with the first and last time
// (detail: count, first_at, last_at, last_request_id). The repeats' responses do not wait for that event,
// so a crash loses at most one window of counts, never a first occurrence.
import type { AuditEventInput } from '../audit/event.ts';
import type { GroupCommitWriter } from '../audit/group-commit.ts';

interface Repeats {
  readonly opensAt: number;
  /** The first event of the window, already recorded; the aggregate copies its fields. */
  readonly first: AuditEventInput;
  count: number;
  firstAt: number;
  lastAt: number;
  lastRequestId: string | null;
}

export class RejectionAggregator {
  readonly #open = new Map<string, Repeats>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly writer: Pick<GroupCommitWriter, 'record'>,
    private readonly now: () => number,
    private readonly windowMs = 60_000,
    private readonly maxOpen = 10_000,
  ) {}

  /** Flushes ended windows once a second until close(). */
  start(): void {
    this.#timer ??= setInterval(() => void this.flushEnded().catch(() => {}), 1_000);
    this.#timer.unref();
  }

  /** Records the rejection: at once if it is the first of its window, else as one more repeat. */
  async record(event: AuditEventInput, sameness: string): Promise<void> {
    const now = this.now();
    const open = this.#open.get(sameness);
    if (open && now < open.opensAt + this.windowMs) return this.#countRepeat(open, event, now);
    if (open) {
      await this.#flush(sameness, open);
      return this.record(event, sameness); // decided again: another request may have opened the window
    }
    if (this.#open.size >= this.maxOpen) {
      await this.#flushOldest();
      if (this.#open.has(sameness)) return this.record(event, sameness);
    }
    // Opened before the write, so identical rejections arriving meanwhile count as its repeats instead of
    // each writing a "first" event of their own.
    const opened: Repeats = {
      opensAt: now,
      first: event,
      count: 0,
      firstAt: now,
      lastAt: now,
      lastRequestId: null,
    };
    this.#open.set(sameness, opened);
    try {
      await this.writer.record(event);
    } catch (error) {
      this.#countRepeat(opened, event, now); // not durable on its own: the aggregate still counts it
      throw error;
    }
  }

  #countRepeat(open: Repeats, event: AuditEventInput, now: number): void {
    if (open.count === 0) open.firstAt = now;
    open.count++;
    if (now >= open.lastAt || open.lastRequestId === null) {
      open.lastAt = Math.max(open.lastAt, now);
      open.lastRequestId = event.requestId;
    }
  }

  /** Writes the aggregate of every window that has ended. */
  async flushEnded(): Promise<void> {
    const now = this.now();
    for (const [sameness, open] of [...this.#open]) {
      if (now >= open.opensAt + this.windowMs) await this.#flush(sameness, open);
    }
  }

  /** At shutdown: every open window's aggregate is written. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const [sameness, open] of [...this.#open]) await this.#flush(sameness, open);
  }

  async #flushOldest(): Promise<void> {
    const oldest = this.#open.entries().next().value;
    if (oldest) await this.#flush(...oldest);
  }

  async #flush(sameness: string, open: Repeats): Promise<void> {
    if (this.#open.get(sameness) !== open) return; // already flushed by a concurrent caller
    this.#open.delete(sameness);
    if (open.count === 0) return;
    try {
      await this.#writeAggregate(open);
    } catch (error) {
      // Kept for the next flush rather than lost; its window has ended, so the next repeat flushes it.
      if (!this.#open.has(sameness)) this.#open.set(sameness, open);
      throw error;
    }
  }

  #writeAggregate(open: Repeats): Promise<void> {
    return this.writer.record({
      ...open.first,
      occurredAt: new Date(open.firstAt),
      requestId: open.lastRequestId,
      latencyMs: null,
      detail: {
        count: open.count,
        first_at: new Date(open.firstAt).toISOString(),
        last_at: new Date(open.lastAt).toISOString(),
        last_request_id: open.lastRequestId,
      },
    });
  }
}
