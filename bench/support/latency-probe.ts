// A latency probe: keep-alive connections (one unless told), each sending requests one after another for a
// while, timing each with performance.now(). autocannon reports whole milliseconds; a proxy's added latency,
// or the cost of one commit, needs finer ones. Runs in its own process (started by runInChild), beside a
// load generator that holds the rate or, with several connections, as the load itself. Every answer is
// counted by status; only 2xx answers are latency samples, and the caller checks the status mix (a probe
// that stopped at its first 429 would hide how many of its requests were refused).
import { Agent, request } from 'node:http';

export interface ProbePlan {
  url: string;
  path: string;
  headers: Record<string, string>;
  seconds: number;
  /** Connections, each sequential; 1 when absent. */
  connections?: number;
}

export interface ProbeResult {
  /** 2xx answers: the latency samples. */
  samples: number;
  /** Every answer, by HTTP status. */
  statuses: Record<string, number>;
  /** Requests that got no answer (connection refused or reset). */
  errors: number;
  /** 2xx answers per second, all connections together. */
  perSecond: number;
  /** Milliseconds, to the microsecond. */
  p50: number;
  p99: number;
}

/** `status` is undefined when the request got no answer at all. */
type Answer = { status: number | undefined; ms: number };

function once(plan: ProbePlan, agent: Agent): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const outgoing = request(`${plan.url}${plan.path}`, { agent, headers: plan.headers }, (response) => {
      response.resume();
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, ms: performance.now() - started }),
      );
    });
    outgoing.on('error', () => resolve({ status: undefined, ms: performance.now() - started }));
    outgoing.end();
  });
}

async function probe(plan: ProbePlan): Promise<ProbeResult> {
  const connections = plan.connections ?? 1;
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const samples: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  const started = performance.now();
  const end = started + plan.seconds * 1000;
  const connection = async () => {
    while (performance.now() < end) {
      const answer = await once(plan, agent);
      if (answer.status === undefined) {
        errors++;
        await new Promise((resolve) => setTimeout(resolve, 10)); // a refused connection fails at once
        continue;
      }
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (answer.status >= 200 && answer.status < 300) samples.push(answer.ms);
    }
  };
  await Promise.all(Array.from({ length: connections }, connection));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0) * 1000) / 1000;
  return {
    samples: samples.length,
    statuses,
    errors,
    perSecond: samples.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
  };
}

process.once('message', (plan: ProbePlan) => {
  probe(plan).then(
    (result) => process.send?.(result, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
process.send?.('ready');
