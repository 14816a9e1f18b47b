// Runs a LoadPlan in a separate load-generator process on its own core and returns what it measured.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onGeneratorCore } from './cpus.ts';
import type { LoadPlan, LoadResult } from './load-plan.ts';

const GENERATOR = fileURLToPath(new URL('./load-generator.ts', import.meta.url));

export function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const { command, args } = onGeneratorCore(process.execPath, ['--import', 'tsx', GENERATOR]);
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise<LoadResult>((resolve, reject) => {
    let result: LoadResult | undefined;
    // The generator says 'ready' once it listens, then answers the plan with its result.
    child.on('message', (message) => {
      if (message === 'ready') child.send(plan);
      else result = message as LoadResult;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(`the load generator exited with ${code} and no result`));
    });
  });
}
