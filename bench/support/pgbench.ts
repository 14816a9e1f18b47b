// Runs pgbench with a custom script on the generator's core and reads its per-transaction log for latencies.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onGeneratorCore } from './cpus.ts';

export interface PgbenchRun {
  url: string;
  script: string;
  clients: number;
  seconds: number;
  variables: Record<string, string>;
}

export interface PgbenchResult {
  /** The run's time minus pgbench's initial connection time (which, under load, can be a good part of it). */
  seconds: number;
  transactions: number;
  transactionsPerSecond: number;
  /** Milliseconds, from the per-transaction log. */
  p50: number;
  p99: number;
  /** pgbench's own summary, kept for the report when something went wrong. */
  output: string;
  exitCode: number | null;
}

export async function runPgbench(run: PgbenchRun): Promise<PgbenchResult> {
  const logDir = await mkdtemp(join(tmpdir(), 'tessera-pgbench-'));
  try {
    const args = [
      '--no-vacuum',
      '--protocol=extended',
      `--client=${run.clients}`,
      '--jobs=1',
      `--time=${run.seconds}`,
      `--file=${run.script}`,
      '--log',
      `--log-prefix=${join(logDir, 'tx')}`,
      ...Object.entries(run.variables).map(([name, value]) => `--define=${name}=${value}`),
      run.url,
    ];
    const { command, args: pinned } = onGeneratorCore('pgbench', args);
    const { output, exitCode } = await capture(command, pinned);
    const latenciesUs = await readLatencies(logDir);
    const seconds = measuredSeconds(output, latenciesUs.length, run.seconds);
    return {
      seconds,
      transactions: latenciesUs.length,
      transactionsPerSecond: latenciesUs.length / seconds,
      p50: Math.round(percentile(latenciesUs, 0.5) / 100) / 10,
      p99: Math.round(percentile(latenciesUs, 0.99) / 100) / 10,
      output,
      exitCode,
    };
  } finally {
    await rm(logDir, { recursive: true, force: true });
  }
}

/** From pgbench's own "tps = … (without initial connection time)": transactions ÷ that rate. */
function measuredSeconds(output: string, transactions: number, runSeconds: number): number {
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1]);
  return transactions > 0 && tps > 0 ? Math.min(runSeconds, transactions / tps) : runSeconds;
}

function capture(command: string, args: string[]): Promise<{ output: string; exitCode: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve({ output, exitCode }));
  });
}

/** Log lines: client_id transaction_no latency_us script_no epoch_s epoch_us; latency_us is the third field. */
async function readLatencies(logDir: string): Promise<number[]> {
  const latencies: number[] = [];
  for (const file of await readdir(logDir)) {
    for (const line of (await readFile(join(logDir, file), 'utf8')).split('\n')) {
      const latency = Number(line.split(' ')[2]);
      if (line !== '' && Number.isFinite(latency)) latencies.push(latency);
    }
  }
  return latencies.sort((a, b) => a - b);
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}
