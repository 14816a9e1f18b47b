// The load generator process: receives a LoadPlan over IPC, runs autocannon (programmatic API, one thread)
// against the node and sends back a LoadResult. Started by load.ts, pinned to its own core.
import { createRequire } from 'node:module';
import type { LoadPlan, LoadResult, PlannedRequest } from './load-plan.ts';

interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
}

interface AutocannonResult {
  duration: number;
  '2xx': number;
  errors: number;
  timeouts: number;
  latency: { p50: number; p99: number };
  statusCodeStats: Record<string, { count: number }>;
}

type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  requests: AutocannonRequest[];
  overallRate?: number;
}) => Promise<AutocannonResult>;

// autocannon is CommonJS without type declarations; this is the slice of its API the benchmarks use.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function autocannonRequests(plan: LoadPlan, onExhausted: () => void): AutocannonRequest[] {
  if (plan.order === 'cycle') return plan.requests.map(toAutocannon);
  let next = 0;
  return [
    {
      setupRequest: () => {
        if (next >= plan.requests.length) {
          onExhausted();
          next = 0;
        }
        const planned = plan.requests[next++];
        if (!planned) throw new Error('an each-once plan needs at least one request');
        return toAutocannon(planned);
      },
    },
  ];
}

function toAutocannon(planned: PlannedRequest): AutocannonRequest {
  return {
    method: planned.method,
    path: planned.path,
    headers: planned.headers,
    ...(planned.body === undefined ? {} : { body: planned.body }),
  };
}

async function run(plan: LoadPlan): Promise<LoadResult> {
  let exhausted = false;
  const result = await autocannon({
    url: plan.url,
    connections: plan.connections,
    duration: plan.seconds,
    requests: autocannonRequests(plan, () => {
      exhausted = true;
    }),
    ...(plan.rate ? { overallRate: plan.rate } : {}),
  });
  const statuses: Record<string, number> = {};
  for (const [status, stats] of Object.entries(result.statusCodeStats)) statuses[status] = stats.count;
  return {
    seconds: result.duration,
    statuses,
    ok: result['2xx'],
    okPerSecond: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    exhausted,
  };
}

process.once('message', (plan: LoadPlan) => {
  run(plan).then(
    (result) => process.send?.(result, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
process.send?.('ready');
