// The cluster's one sequencer. Every node runs an AuditSequencer; only the one holding a PostgreSQL
// advisory lock (on a connection of its own) sequences. The others try for the lock every second, so when
// the holder dies its connection closes, the lock is freed and another node takes over within about a
// second. The holder reads pending events in ingestion order, places them onto the chain tips it keeps in
// memory, and writes each batch in one statement (sequence.ts); up to `maxInFlight` batches are being
// written at once, each expecting the heads the one before leaves. When a statement finds a head moved
// (another sequencer, a seal run from the CLI) nothing of it is written: the holder waits for its batches
// in flight, forgets its tips and reads them again.
import type { Database, ExclusiveLock } from '../db/database.ts';
import {
  type ChainTip,
  commitBatch,
  loadTips,
  type PendingEvent,
  readPending,
  type SequencedBatch,
  sequenceBatch,
} from './sequence.ts';

/** An arbitrary constant naming "Tessera's audit sequencer" in pg_try_advisory_lock. */
export const AUDIT_SEQUENCER_LOCK_ID = 7_362_514_092;

export interface SequencerOptions {
  batchSize?: number;
  maxInFlight?: number;
  /** How long the holder waits before looking again when nothing was pending. */
  idleMs?: number;
  /** How often a node that does not hold the lock tries for it. */
  leadershipRetryMs?: number;
  onError(error: unknown): void;
}

export class AuditSequencer {
  readonly #batchSize: number;
  readonly #maxInFlight: number;
  readonly #idleMs: number;
  readonly #leadershipRetryMs: number;
  readonly #tips = new Map<string, ChainTip>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #inFlightIds = new Set<string>();
  #conflict = false;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #placed = 0;
  #leading = false;

  constructor(
    private readonly db: Database,
    private readonly options: SequencerOptions,
  ) {
    this.#batchSize = options.batchSize ?? 1_000;
    this.#maxInFlight = options.maxInFlight ?? 2;
    this.#idleMs = options.idleMs ?? 25;
    this.#leadershipRetryMs = options.leadershipRetryMs ?? 1_000;
  }

  /** Whether this node holds the cluster's sequencer lock now. */
  get leading(): boolean {
    return this.#leading;
  }

  /** Events this node has placed since it started. */
  get placed(): number {
    return this.#placed;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const lock = await this.db.tryExclusiveLock(AUDIT_SEQUENCER_LOCK_ID).catch((error: unknown) => {
        this.options.onError(error);
        return undefined;
      });
      if (!lock) {
        await this.#sleep(this.#leadershipRetryMs);
        continue;
      }
      this.#leading = true;
      try {
        await this.#lead(lock);
      } finally {
        this.#leading = false;
        await Promise.allSettled(this.#inFlight);
        this.#tips.clear();
        await lock.release();
      }
    }
  }

  async #lead(lock: ExclusiveLock): Promise<void> {
    let lost = false;
    void lock.lost.then(() => {
      lost = true;
      this.#wake?.();
    });
    while (!this.#stopped && !lost) {
      try {
        if (!(await this.#sequenceOnce())) await this.#sleep(this.#idleMs);
      } catch (error) {
        this.options.onError(error);
        await this.#settle();
        await this.#sleep(this.#leadershipRetryMs);
      }
    }
  }

  /**
   * Reads, places and sends one batch. True only when the batch was full (a backlog: go on at once);
   * otherwise the holder waits `idleMs`. Looping at once on every few events would commit a statement of
   * its own for each of them, and every commit waits for a WAL flush that the requests' own audit inserts
   * wait for too: measured, GET /v1/me at 8 connections went from 420 to about 2,000 req/s with this pace.
   */
  async #sequenceOnce(): Promise<boolean> {
    if (this.#conflict) await this.#settle();
    const pending = (await readPending(this.db, this.#batchSize + this.#inFlightIds.size))
      .filter((event) => !this.#inFlightIds.has(event.id))
      .slice(0, this.#batchSize);
    if (pending.length === 0) {
      if (this.#inFlight.size === 0) return false;
      await this.#waitForOne();
      return true;
    }
    await this.#loadMissingTips(pending);
    this.#send(sequenceBatch(pending, this.#tips));
    if (this.#inFlight.size >= this.#maxInFlight) await this.#waitForOne();
    return pending.length === this.#batchSize;
  }

  async #loadMissingTips(pending: readonly PendingEvent[]): Promise<void> {
    const missing = [...new Set(pending.map((event) => event.chain_id))].filter((id) => !this.#tips.has(id));
    if (missing.length === 0) return;
    for (const [chainId, tip] of await loadTips(this.db, missing.sort())) this.#tips.set(chainId, tip);
  }

  #send(batch: SequencedBatch): void {
    for (const event of batch.events) this.#inFlightIds.add(event.id);
    const write: Promise<void> = commitBatch(this.db, batch)
      .then(
        (written) => {
          if (written) this.#placed += batch.events.length;
          else this.#conflict = true;
        },
        (error: unknown) => {
          this.#conflict = true;
          this.options.onError(error);
        },
      )
      .finally(() => {
        this.#inFlight.delete(write);
        for (const event of batch.events) this.#inFlightIds.delete(event.id);
      });
    this.#inFlight.add(write);
  }

  async #waitForOne(): Promise<void> {
    if (this.#inFlight.size > 0) await Promise.race(this.#inFlight);
  }

  /** After a conflict or an error: let every batch in flight end, then start again from the database. */
  async #settle(): Promise<void> {
    await Promise.allSettled(this.#inFlight);
    this.#tips.clear();
    this.#conflict = false;
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms).unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }
}
