// Stage: a cap on how many requests one key has in flight at once (issue 10, item 8). The body timeout
// bounds how long one slow request holds a connection; this bounds how many a single key can hold, so a
// client that trickles bodies on many connections cannot take the node's sockets from everyone else. Over
// the cap is 429 rate_limit.exceeded. Counted per node: the cap protects this node's connections.
import { apiError } from '../errors.ts';
import type { Stage } from './stage.ts';

export class ConcurrencyLimit {
  readonly #inFlight = new Map<string, number>();

  constructor(private readonly maxPerKey: number) {}

  inFlight(keyId: string): number {
    return this.#inFlight.get(keyId) ?? 0;
  }

  readonly stage: Stage = async (request, reply) => {
    const key = request.tessera.key;
    if (!key) throw new Error('limitConcurrency ran before authentication');
    const current = this.inFlight(key.id);
    if (current >= this.maxPerKey) {
      throw apiError('rate_limit.exceeded', { headers: { 'retry-after': '1' } });
    }
    this.#inFlight.set(key.id, current + 1);
    // 'close' fires once the answer is sent or the connection drops, whichever comes first.
    reply.raw.once('close', () => this.#release(key.id));
  };

  #release(keyId: string): void {
    const left = this.inFlight(keyId) - 1;
    if (left > 0) this.#inFlight.set(keyId, left);
    else this.#inFlight.delete(keyId);
  }
}
