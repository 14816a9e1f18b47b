// Stage: the per-address limit on requests that fail authentication or match no route. It runs before
// authentication (first on every partner-API route, and on requests that match no route), so a client with
// no valid key cannot make the node parse keys, read the database or grow the audit log without bound:
// past TESSERA_UNAUTHENTICATED_LIMIT_PER_MINUTE such failures from one address (an IPv6 client per /64) in a
// minute, its requests get 429 rate_limit.exceeded with Retry-After until the window ends. The count is kept
// per node, in the one fixed-window counter. A key this node has verified still passes on to authentication
// (recognising it costs one keyed digest, no I/O): a partner behind the same NAT as a flooding client keeps
// working, while anything that would need a database read or Argon2id is refused.
import { apiError } from '../errors.ts';
import { type PresentedKey, parseBearer } from '../keys/format.ts';
import { addressBucket } from '../net/address-bucket.ts';
import { FixedWindowCounter } from '../rate-limit/fixed-window.ts';
import type { Stage } from './stage.ts';

const WINDOW_MS = 60_000;

export class UnauthenticatedLimit {
  readonly #failures = new FixedWindowCounter();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
    private readonly holdsVerifiedSecret: (key: PresentedKey) => boolean = () => false,
  ) {}

  readonly stage: Stage = (request) => {
    const { count, resetInMs } = this.#failures.peek(addressBucket(request.tessera.clientIp), this.now());
    if (count >= this.perMinute && !this.#presentsKnownKey(request.headers.authorization)) {
      throw apiError('rate_limit.exceeded', {
        headers: { 'retry-after': String(Math.max(1, Math.ceil(resetInMs / 1000))) },
      });
    }
  };

  #presentsKnownKey(authorization: string | undefined): boolean {
    const parsed = parseBearer(authorization);
    return parsed.kind === 'key' && this.holdsVerifiedSecret(parsed.key);
  }

  /** Counts a request from this address that failed authentication or matched no route. */
  countFailure(clientIp: string): void {
    this.#failures.hit(addressBucket(clientIp), WINDOW_MS, this.now());
  }
}
