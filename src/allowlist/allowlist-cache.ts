// Compiled allowlists per partner and environment, loaded on first use and dropped when any node changes
// them. A list is compiled once into a matcher, so a request costs one BlockList lookup. Any change bumps
// the epoch, so a load that began before a change is used for its own request but never cached: it may
// hold the list as it was, which would otherwise be served for up to MAX_AGE_MS after the change.
import type { Database, Environment } from '../db/database.ts';
import { compileCidrs, type IpMatcher } from '../net/cidr.ts';
import { listAllowlist } from './store.ts';

const MAX_AGE_MS = 30_000;

interface Compiled {
  /** undefined: this partner and environment accept any address. */
  matcher: IpMatcher | undefined;
  loadedAt: number;
}

export class AllowlistCache {
  readonly #compiled = new Map<string, Compiled>();
  #enabled = true;
  #epoch = 0;

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  async isAllowed(partnerId: string, environment: Environment, clientIp: string): Promise<boolean> {
    const matcher = await this.#matcherFor(partnerId, environment);
    return matcher === undefined || matcher.matches(clientIp);
  }

  async #matcherFor(partnerId: string, environment: Environment): Promise<IpMatcher | undefined> {
    const cacheKey = `${partnerId}/${environment}`;
    const cached = this.#enabled ? this.#compiled.get(cacheKey) : undefined;
    if (cached && this.now() - cached.loadedAt < MAX_AGE_MS) return cached.matcher;
    const epochAtStart = this.#epoch;
    const entries = (await listAllowlist(this.db, partnerId)).filter(
      (entry) => entry.environment === null || entry.environment === environment,
    );
    const matcher = entries.length === 0 ? undefined : compileCidrs(entries.map((entry) => entry.cidr));
    if (this.#enabled && epochAtStart === this.#epoch) {
      this.#compiled.set(cacheKey, { matcher, loadedAt: this.now() });
    }
    return matcher;
  }

  subscriber() {
    return {
      onChange: (partnerId: string) => {
        this.#epoch++;
        this.#compiled.delete(`${partnerId}/test`);
        this.#compiled.delete(`${partnerId}/live`);
      },
      onReset: () => {
        this.#epoch++;
        this.#compiled.clear();
      },
      onLost: () => {
        this.#epoch++;
        this.#enabled = false;
        this.#compiled.clear();
      },
      onRestored: () => {
        this.#enabled = true;
      },
    };
  }
}
