// Running one benchmark file on its own: pin this process to the server's core, run, print the table.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pinServerProcess } from './cpus.ts';
import { type BenchOptions, benchOptions } from './options.ts';
import { resultsNotes, resultsTable, type ScenarioRow } from './report.ts';

export type Bench = (options: BenchOptions) => Promise<ScenarioRow[]>;

/** True when the module at `moduleUrl` is the script node was asked to run. */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
}

export async function runStandalone(bench: Bench): Promise<void> {
  pinServerProcess();
  const rows = await bench(benchOptions());
  console.log(`\n${resultsTable(rows)}\n\n${resultsNotes(rows)}`);
}

/** One line of progress on stderr, so the table on stdout stays clean. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
