// One NOTIFY channel for every change other nodes must hear at once (a revoked key, a new allowlist…).
// Payloads are `topic:id`; '*' means "drop everything". One LISTEN connection per node serves all topics,
// and when it is lost every subscriber is told, so caches fall back to the database until it is back.
import type { Database, Queryable } from './database.ts';

export const CHANGE_CHANNEL = 'tessera_changes';

export type ChangeTopic = 'key' | 'allowlist' | 'partner';

export interface ChangeSubscriber {
  onChange(id: string): void;
  onReset(): void;
  onLost(): void;
  onRestored(): void;
}

export async function notifyChange(tx: Queryable, topic: ChangeTopic, id: string): Promise<void> {
  await tx.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, `${topic}:${id}`]);
}

export class ChangeFeed {
  readonly #subscribers = new Map<ChangeTopic, ChangeSubscriber[]>();
  #stop: (() => Promise<void>) | undefined;
  #listening = false;

  subscribe(topic: ChangeTopic, subscriber: ChangeSubscriber): void {
    this.#subscribers.set(topic, [...(this.#subscribers.get(topic) ?? []), subscriber]);
  }

  async start(db: Database): Promise<void> {
    this.#stop = await db.listen(CHANGE_CHANNEL, {
      onMessage: (payload) => this.#dispatch(payload),
      onLost: () => {
        this.#listening = false;
        this.#all((s) => s.onLost());
      },
      onRestored: () => {
        this.#listening = true;
        this.#all((s) => s.onRestored());
      },
    });
    this.#listening = true;
  }

  async stop(): Promise<void> {
    this.#listening = false;
    await this.#stop?.();
  }

  /** Whether notifications reach this node now (the readiness probe's change_feed check). */
  get listening(): boolean {
    return this.#listening;
  }

  #dispatch(payload: string): void {
    const separator = payload.indexOf(':');
    if (payload === '*' || separator < 0) {
      this.#all((s) => s.onReset());
      return;
    }
    const topic = payload.slice(0, separator) as ChangeTopic;
    const id = payload.slice(separator + 1);
    for (const subscriber of this.#subscribers.get(topic) ?? []) subscriber.onChange(id);
  }

  #all(action: (subscriber: ChangeSubscriber) => void): void {
    for (const list of this.#subscribers.values()) list.forEach(action);
  }
}
