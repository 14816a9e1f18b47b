// Group commit for audit events: requests hand their event to the writer and wait; the writer commits
// whatever has queued as one batch, at most one batch in flight at a time. While a batch commits the next
// one fills, so durability costs each request a share of one commit rather than a round trip of its own.
// A response is released only once its event is durable. A batch is one autocommit INSERT of unsequenced
// events (append.ts); the sequencer is told at once, so it places them without waiting for its next look.
import type { Database } from '../db/database.ts';
import { appendAuditEvents } from './append.ts';
import type { AuditEventInput } from './event.ts';

interface Pending {
  event: AuditEventInput;
  resolve(): void;
  reject(error: unknown): void;
}

export class GroupCommitWriter {
  #queue: Pending[] = [];
  #flushing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #batches = 0;

  constructor(
    private readonly db: Database,
    private readonly afterBatch: () => void = () => {},
    private readonly maxBatch = 500,
    private readonly maxDelayMs = 2,
  ) {}

  get batches(): number {
    return this.#batches;
  }

  /** Events waiting for their batch (the readiness probe's audit_writer check). */
  get backlog(): number {
    return this.#queue.length;
  }

  record(event: AuditEventInput): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ event, resolve, reject });
      if (this.#queue.length >= this.maxBatch) this.#kick();
      else this.#timer ??= setTimeout(() => this.#kick(), this.maxDelayMs);
    });
  }

  /** Resolves once everything queued so far is durable (used at shutdown). */
  async drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#flushing) {
      this.#kick();
      await this.#flushing;
    }
  }

  #kick(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#flushing || this.#queue.length === 0) return;
    this.#flushing = this.#flush().finally(() => {
      this.#flushing = undefined;
      if (this.#queue.length > 0) this.#kick();
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#queue.splice(0, this.maxBatch);
    const events = batch.map((p) => p.event);
    try {
      await appendAuditEvents(this.db, events);
      this.#batches++;
      for (const pending of batch) pending.resolve();
      this.afterBatch();
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }
}
