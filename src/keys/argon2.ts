// Argon2id hashing of key secrets (m = 64 MiB, t = 3, p = 1, as the seed states). Each verification costs
// ~75 ms and 64 MiB, so the number running at once is bounded and the queue in front of them is too:
// past that, callers are told to back off instead of piling up memory.
import { hash, verify } from '@node-rs/argon2';

// `Algorithm` is an ambient const enum in @node-rs/argon2's typings; 2 is its Argon2id member.
const ARGON2ID = 2;

/** The cost of hashing a new secret. Verification reads the cost from the stored hash itself. */
export interface Argon2Cost {
  readonly memoryKib: number;
  readonly passes: number;
}

/** What every key is hashed with: m = 64 MiB, t = 3 (p = 1). No environment variable changes it. */
export const ARGON2_COST: Argon2Cost = Object.freeze({ memoryKib: 65_536, passes: 3 });

export function hashSecret(secret: string, cost: Argon2Cost = ARGON2_COST): Promise<string> {
  return hash(secret, {
    algorithm: ARGON2ID,
    memoryCost: cost.memoryKib,
    timeCost: cost.passes,
    parallelism: 1,
  });
}

export type Argon2Outcome = 'match' | 'mismatch' | 'busy';

export class Argon2Verifier {
  #running = 0;
  readonly #waiting: Array<() => void> = [];
  #verifications = 0;

  constructor(
    private readonly concurrency: number,
    private readonly maxQueue: number = concurrency * 16,
  ) {}

  /** How many Argon2id verifications this node has run (exposed to metrics and the auth benchmark). */
  get verifications(): number {
    return this.#verifications;
  }

  async verify(secretHash: string, secret: string): Promise<Argon2Outcome> {
    if (this.#running < this.concurrency) {
      this.#running++;
    } else {
      if (this.#waiting.length >= this.maxQueue) return 'busy';
      // The finishing verification hands its slot straight to the first waiter.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#verifications++;
    try {
      return (await verify(secretHash, secret)) ? 'match' : 'mismatch';
    } catch {
      return 'mismatch';
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
