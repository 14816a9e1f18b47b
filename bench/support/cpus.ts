// The machine has two cores, shared by the three parties of a benchmark. The Tessera node (this process)
// is pinned to CPU 0 and every load generator (autocannon, pgbench) to CPU 1, so the generator can never
// steal the server's core; PostgreSQL is a system service and stays unpinned (both cores).
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

const SERVER_CPU = '0';
const GENERATOR_CPU = '1';

function canPin(): boolean {
  if (cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const pinning = canPin();

/** Pins every thread of this process (Node's main thread, libuv pool, GC) to the server's core. */
export function pinServerProcess(): void {
  if (pinning)
    execFileSync('taskset', ['-a', '-p', '-c', SERVER_CPU, String(process.pid)], { stdio: 'ignore' });
}

/** The command line that runs a load generator on its own core. */
export function onGeneratorCore(
  command: string,
  args: readonly string[],
): { command: string; args: string[] } {
  return pinning
    ? { command: 'taskset', args: ['-c', GENERATOR_CPU, command, ...args] }
    : { command, args: [...args] };
}

export function coreLayout(): string {
  if (!pinning) return `no pinning (${cpus().length} core(s) shared by server, generator and PostgreSQL)`;
  return (
    `Tessera node: 1 core (CPU ${SERVER_CPU}, taskset); load generator (autocannon / pgbench): 1 core ` +
    `(CPU ${GENERATOR_CPU}, taskset); PostgreSQL server: unpinned, shares both`
  );
}
