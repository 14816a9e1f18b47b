// A latency probe: keep-alive connections (one unless told), each sending requests one after another for a
// while, timing each with performance.now(). autocannon reports whole milliseconds; a proxy's added latency,
// or the cost of one commit, needs finer ones. Runs in its own process (started by runInChild), beside a
// load generator that holds the rate or, with several connections, as the load itself.
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
  samples: number;
  /** Answered requests per second, all connections together. */
  perSecond: number;
  /** Milliseconds, to the microsecond. */
  p50: number;
  p99: number;
}

function once(plan: ProbePlan, agent: Agent): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = request(`${plan.url}${plan.path}`, { agent, headers: plan.headers }, (response) => {
      response.resume();
      response.on('end', () =>
        response.statusCode === 200
          ? resolve(performance.now() - started)
          : reject(new Error(`status ${response.statusCode}`)),
      );
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

async function probe(plan: ProbePlan): Promise<ProbeResult> {
  const connections = plan.connections ?? 1;
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const samples: number[] = [];
  const started = performance.now();
  const end = started + plan.seconds * 1000;
  const connection = async () => {
    while (performance.now() < end) samples.push(await once(plan, agent));
  };
  await Promise.all(Array.from({ length: connections }, connection));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0) * 1000) / 1000;
  return { samples: samples.length, perSecond: samples.length / seconds, p50: at(0.5), p99: at(0.99) };
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
