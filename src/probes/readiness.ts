// The readiness registry: named checks that must all pass before a load balancer sends this node traffic.
// Features add their own check with register(name, check) (the gateway its upstream table, the audit
// ledger its sequencer). Each check is bounded by a timeout, so a hung database makes /readyz answer 503
// promptly instead of hanging the probe; a check that throws or times out is a failing check.

export type ReadinessCheck = () => Promise<boolean> | boolean;

/** The name reported while the node drains before a shutdown (see lifecycle/shutdown.ts). */
export const SHUTTING_DOWN = 'shutting_down';

const CHECK_NAME = /^[a-z][a-z0-9_]{0,39}$/;

export class Readiness {
  readonly #checks = new Map<string, ReadinessCheck>();
  #draining = false;

  constructor(private readonly timeoutMs = 1_000) {}

  /** Fails at start on a duplicate or badly formed name: the name is all a probe ever reveals. */
  register(name: string, check: ReadinessCheck): void {
    if (!CHECK_NAME.test(name) || name === SHUTTING_DOWN) {
      throw new Error(`readiness check name "${name}" must be a lowercase identifier`);
    }
    if (this.#checks.has(name)) throw new Error(`readiness check "${name}" is registered twice`);
    this.#checks.set(name, check);
  }

  get names(): string[] {
    return [...this.#checks.keys()];
  }

  /** From now on the node reports itself not ready, whatever the checks say. */
  drain(): void {
    this.#draining = true;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** The names of the failing checks, in registration order; empty when the node is ready. */
  async failing(): Promise<string[]> {
    const results = await Promise.all(
      [...this.#checks].map(async ([name, check]) => ((await this.#passes(check)) ? [] : [name])),
    );
    return [...(this.#draining ? [SHUTTING_DOWN] : []), ...results.flat()];
  }

  async #passes(check: ReadinessCheck): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
    });
    try {
      return await Promise.race([Promise.resolve().then(check), timedOut]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
