// Zero-downtime shutdown. On SIGTERM a node first reports itself not ready and keeps serving for a while,
// so every load balancer's health check sees it leave before it stops accepting (a balancer that still
// routes to a closed port turns a restart into failed requests). Then it stops accepting, lets in-flight
// requests finish within a bound, and the caller flushes the audit log and closes the database.
import type { FastifyInstance } from 'fastify';

export interface ShutdownSteps {
  /** Makes /readyz answer 503 from now on. */
  drain(): void;
  /** Stops accepting, finishes in-flight requests (bounded), flushes the audit log, closes storage. */
  close(): Promise<void>;
}

export interface ShutdownTiming {
  delayMs: number;
  /** Injected so a test controls time instead of sleeping. */
  wait?: (ms: number) => Promise<void>;
}

export async function shutDownGracefully(steps: ShutdownSteps, timing: ShutdownTiming): Promise<void> {
  const wait = timing.wait ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  steps.drain();
  await wait(timing.delayMs);
  await steps.close();
}

export type HttpCloseOutcome = 'drained' | 'timed_out';

const IDLE_SWEEP_MS = 50;

/**
 * Stops accepting and waits for in-flight requests, at most timeoutMs; then cuts the connections left
 * (a client that never finishes its upload must not hold the shutdown past the orchestrator's SIGKILL).
 */
export async function closeHttpWithin(app: FastifyInstance, timeoutMs: number): Promise<HttpCloseOutcome> {
  const closing = app.close();
  // A keep-alive connection goes idle once its last response is sent; close it then rather than at the
  // keep-alive timeout, which would hold every shutdown for its full bound.
  const idleSweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<HttpCloseOutcome>((resolve) => {
    timer = setTimeout(() => resolve('timed_out'), timeoutMs);
  });
  const outcome = await Promise.race([closing.then((): HttpCloseOutcome => 'drained'), timedOut]);
  clearTimeout(timer);
  clearInterval(idleSweep);
  if (outcome === 'timed_out') {
    app.server.closeAllConnections();
    await closing;
  }
  return outcome;
}
