// A latency probe: one keep-alive connection sending requests one after another for a while, timing each
// with performance.now(). autocannon reports whole milliseconds; a proxy's added latency needs finer ones.
// Runs in its own process (started by runInChild) beside a load generator that holds the rate.
import { Agent, request } from 'node:http';

export interface ProbePlan {
  url: string;
  path: string;
  headers: Record<string, string>;
  seconds: number;
}

export interface ProbeResult {
  samples: number;
  /** Milliseconds, to the microsecond. */
  p50: number;
  p99: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function once(plan: ProbePlan): Promise<number> {
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
  const samples: number[] = [];
  const end = performance.now() + plan.seconds * 1000;
  while (performance.now() < end) samples.push(await once(plan));
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0) * 1000) / 1000;
  return { samples: samples.length, p50: at(0.5), p99: at(0.99) };
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
