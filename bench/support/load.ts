// Runs a LoadPlan in a separate load-generator process on its own core and returns what it measured.
import { fileURLToPath } from 'node:url';
import { runInChild } from './child.ts';
import { onGeneratorCore } from './cpus.ts';
import type { LoadPlan, LoadResult } from './load-plan.ts';

const GENERATOR = fileURLToPath(new URL('./load-generator.ts', import.meta.url));

export function runLoad(plan: LoadPlan): Promise<LoadResult> {
  return runInChild<LoadPlan, LoadResult>(GENERATOR, plan, onGeneratorCore);
}
