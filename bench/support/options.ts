// How long each phase runs. `--seconds=N` on the command line shortens or lengthens the measured phases.

export interface BenchOptions {
  /** Each measured phase. */
  seconds: number;
  /** Each warm-up phase (JIT, caches, connection pools), not measured. */
  warmupSeconds: number;
}

export function benchOptions(argv: readonly string[] = process.argv.slice(2)): BenchOptions {
  const flag = argv.find((arg) => arg.startsWith('--seconds='));
  const seconds = flag ? Number(flag.slice('--seconds='.length)) : 8;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 60) {
    throw new Error('--seconds must be an integer from 1 to 60');
  }
  return { seconds, warmupSeconds: 2 };
}
