// A measured side and its baseline, on the same database in the same run. The machine is shared (other
// processes come and go), so the two sides are interleaved A B B A, each round half the measured time,
// after one warm-up each: a load change during the run falls on both sides instead of on one.
import { runLoad } from './load.ts';
import type { LoadPlan, LoadResult } from './load-plan.ts';
import type { Measurement } from './report.ts';

export interface Aggregate {
  seconds: number;
  ok: number;
  okPerSecond: number;
  /** The mean of the rounds' p50, weighted by their 2xx count. */
  p50: number;
  /** The worst round's p99. */
  p99: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
}

type SidePlan = Omit<LoadPlan, 'seconds'>;

export async function compareInterleaved(
  measured: SidePlan,
  baseline: SidePlan,
  seconds: number,
  warmupSeconds: number,
): Promise<{ measured: Aggregate; baseline: Aggregate }> {
  await runLoad({ ...baseline, seconds: warmupSeconds });
  await runLoad({ ...measured, seconds: warmupSeconds });
  const half = Math.max(1, Math.round(seconds / 2));
  const rounds: Array<['measured' | 'baseline', LoadResult]> = [];
  for (const side of ['baseline', 'measured', 'measured', 'baseline'] as const) {
    rounds.push([side, await runLoad({ ...(side === 'measured' ? measured : baseline), seconds: half })]);
  }
  const of = (side: string) => aggregate(rounds.filter(([s]) => s === side).map(([, r]) => r));
  return { measured: of('measured'), baseline: of('baseline') };
}

export function aggregate(results: readonly LoadResult[]): Aggregate {
  const seconds = results.reduce((sum, r) => sum + r.seconds, 0);
  const ok = results.reduce((sum, r) => sum + r.ok, 0);
  const statuses: Record<string, number> = {};
  for (const result of results) {
    for (const [status, count] of Object.entries(result.statuses))
      statuses[status] = (statuses[status] ?? 0) + count;
  }
  const weightedP50 = results.reduce((sum, r) => sum + r.p50 * r.ok, 0);
  return {
    seconds,
    ok,
    okPerSecond: seconds > 0 ? ok / seconds : 0,
    p50: ok > 0 ? Math.round((weightedP50 / ok) * 10) / 10 : 0,
    p99: Math.max(0, ...results.map((r) => r.p99)),
    statuses,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    timeouts: results.reduce((sum, r) => sum + r.timeouts, 0),
  };
}

export function asMeasurement(label: string, result: Aggregate | LoadResult): Measurement {
  return { label, throughput: result.okPerSecond, unit: 'req/s', p50: result.p50, p99: result.p99 };
}

type Counted = Pick<LoadResult, 'statuses' | 'errors' | 'timeouts'>;

export function statusMix(result: Counted): string {
  const parts = Object.entries(result.statuses).map(([status, count]) => `${status}: ${count}`);
  if (result.errors > 0) parts.push(`socket errors: ${result.errors}`);
  if (result.timeouts > 0) parts.push(`timeouts: ${result.timeouts}`);
  return parts.join(', ') || 'none';
}

export function answered(result: Counted): number {
  return Object.values(result.statuses).reduce((sum, count) => sum + count, 0);
}

/** Responses that were not 2xx, plus requests that got no response at all. */
export function refused(result: Counted): number {
  return Object.entries(result.statuses)
    .filter(([status]) => !status.startsWith('2'))
    .reduce((sum, [, count]) => sum + count, result.errors + result.timeouts);
}
