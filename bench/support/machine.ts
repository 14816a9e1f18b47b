// A description of the machine a run happened on, for bench/RESULTS.md.
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { coreLayout } from './cpus.ts';
import { postgresVersion } from './postgres.ts';

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return match?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function describeMachine(): Promise<string[]> {
  return [
    `CPU: ${cpuModel()}, ${cpus().length} cores`,
    `Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `Node.js ${process.version}; ${await postgresVersion()} (local server, loopback)`,
    `Cores: ${coreLayout()}`,
    `Date: ${new Date().toISOString()}`,
  ];
}
