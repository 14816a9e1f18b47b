// bench/audit — what the audit ledger costs and how fast it moves, on PostgreSQL (fresh databases, dropped
// afterwards). Issue 12, "What it must show":
//
//   npm run bench:audit     (node --import tsx bench/audit.ts [--seconds=8] [--events=1000000]
//                            [--seal-interval-ms=1000] [--only=c]; also part of npm run bench)
//
// (a) one partner's signed POST /v1/bookings at 16 connections ÷ pgbench running the same business
//     transaction with no audit insert (bench/writes-booking-no-audit.pgbench.sql), interleaved A B B A.
//     Target ≥ 0.8. (bench/support/audit-writes.ts)
// (b) authenticated GET /v1/me with durable audit ÷ the same with audit off: at 64 connections, target ≥ 0.8;
//     at 8 connections both throughputs and the p50 that durability adds, beside pg_test_fsync's floor.
//     (bench/support/audit-reads.ts)
// (c) 1,000,000 real events ingested, sequenced (timed), exported (≥ 100k events/s, flat memory) and
//     verified offline (≥ 200k events/s), each beside its floor (the same rows read and not formatted; the
//     same records given to JSON.parse alone). (bench/support/audit-export.ts)
// (d) for every event (a) ingested: sequencer lag (durable → placed) and inclusion lag (durable → in a
//     signed tree head; target p99 ≤ seal interval + 2 s), the node sealing every --seal-interval-ms.
// Run alone, it prints the table and replaces the audit section of bench/RESULTS.md; with --only=LIST (some of
// a,b,c,d, comma-separated) it runs those scenarios and prints their table only, leaving RESULTS.md as it is.
import { loadavg } from 'node:os';
import { exportAndVerify } from './support/audit-export.ts';
import { readsWithAndWithoutAudit } from './support/audit-reads.ts';
import { signedWritesAndLag } from './support/audit-writes.ts';
import { coreLayout, pinServerProcess } from './support/cpus.ts';
import { type BenchOptions, benchOptions } from './support/options.ts';
import { postgresVersion } from './support/postgres.ts';
import { resultsNotes, resultsTable, type ScenarioRow, verdict } from './support/report.ts';
import { writeResultsSection } from './support/results-section.ts';
import { isMain, progress } from './support/standalone.ts';

function numberFlag(name: string, fallback: number, argv = process.argv.slice(2)): number {
  const flag = argv.find((arg) => arg.startsWith(`--${name}=`));
  const value = flag ? Number(flag.slice(name.length + 3)) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const eventCount = () => numberFlag('events', 1_000_000);
const sealIntervalMs = () => numberFlag('seal-interval-ms', 1_000);

const SCENARIOS = ['a', 'b', 'c', 'd'] as const;
type Scenario = (typeof SCENARIOS)[number];

/** The scenarios `--only=` names, or undefined (all of them) without it. */
function onlyFlag(argv = process.argv.slice(2)): ReadonlySet<Scenario> | undefined {
  const flag = argv.find((arg) => arg.startsWith('--only='));
  if (!flag) return undefined;
  const names = flag.slice('--only='.length).split(',');
  const unknown = names.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0)
    throw new Error('--only takes some of a,b,c,d, comma-separated');
  return new Set(names as Scenario[]);
}

export async function benchAudit(
  options: BenchOptions,
  only: ReadonlySet<Scenario> = new Set(SCENARIOS),
): Promise<ScenarioRow[]> {
  // (a) and (d) measure the same run of signed writes.
  const { writes, lags } =
    only.has('a') || only.has('d')
      ? await signedWritesAndLag(options, sealIntervalMs())
      : { writes: [], lags: [] };
  const reads = only.has('b') ? await readsWithAndWithoutAudit(options) : [];
  const exported = only.has('c') ? await exportAndVerify(eventCount()) : [];
  return [...(only.has('a') ? writes : []), ...reads, ...exported, ...(only.has('d') ? lags : [])];
}

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');

function section(
  rows: readonly ScenarioRow[],
  run: { options: BenchOptions; before: string; minutes: string; postgres: string },
) {
  const failed = rows.filter((row) => verdict(row) === 'FAIL').map((row) => row.scenario);
  const command =
    `npm run bench:audit -- --seconds=${run.options.seconds} --events=${eventCount()} ` +
    `--seal-interval-ms=${sealIntervalMs()}`;
  return `## Audit ledger (\`npm run bench:audit\`)

Produced by \`${command}\` (\`bench/audit.ts\`) in ${run.minutes} min, finished ${new Date().toISOString()}.
${run.postgres} (local server, loopback). Load average (1, 5, 15 min) before the run: ${run.before}; after:
${load()}. ${coreLayout()}.
Every baseline was measured in the same run, on the same machine and database server; the sides of each ratio
are interleaved (A B B A). See the top of \`bench/audit.ts\` for what (a)–(d) are.

${resultsTable(rows)}

${failed.length === 0 ? 'All scenarios with a target or a check passed.' : `Failed: ${failed.join('; ')}.`}

${resultsNotes(rows)}
`;
}

if (isMain(import.meta.url)) {
  pinServerProcess();
  const options = benchOptions();
  const before = load();
  const startedAt = Date.now();
  const postgres = await postgresVersion();
  progress(`${postgres}; load average ${before}`);
  const only = onlyFlag();
  const rows = await benchAudit(options, only);
  const minutes = ((Date.now() - startedAt) / 60_000).toFixed(1);
  const body = section(rows, { options, before, minutes, postgres });
  console.log(`\n${body}`);
  if (only) progress(`--only=${[...only].join(',')}: bench/RESULTS.md left as it is`);
  else progress(`wrote the audit section of ${writeResultsSection('audit', body)}`);
  process.exitCode = rows.some((row) => verdict(row) === 'FAIL') ? 1 : 0;
}
