// The benchmark suite: bench/auth, bench/writes and bench/audit in turn, one table, written to
// bench/RESULTS.md with a description of the machine.
//
//   npm run bench            (node --import tsx bench/run.ts [--seconds=8] [--events=1000000])
//
// Each benchmark is also runnable alone (see the top of each file). Everything runs on loopback against
// fresh PostgreSQL databases that are dropped afterwards; every phase is bounded in time.
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchAudit } from './audit.ts';
import { benchAuth } from './auth.ts';
import { pinServerProcess } from './support/cpus.ts';
import { describeMachine } from './support/machine.ts';
import { benchOptions } from './support/options.ts';
import { resultsNotes, resultsTable, type ScenarioRow, verdict } from './support/report.ts';
import { progress } from './support/standalone.ts';
import { benchWrites } from './writes.ts';

const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');

pinServerProcess();
const options = benchOptions();
const startedAt = Date.now();
const loadBefore = load();
const machine = await describeMachine();
const rows: ScenarioRow[] = [];
for (const bench of [benchAuth, benchWrites, benchAudit]) rows.push(...(await bench(options)));
const minutes = ((Date.now() - startedAt) / 60_000).toFixed(1);

const table = resultsTable(rows);
const notes = resultsNotes(rows);
const failed = rows.filter((row) => verdict(row) === 'FAIL').map((row) => row.scenario);
const document = `# Tessera benchmark results

Produced by \`npm run bench\` (\`node --import tsx bench/run.ts\`) in ${minutes} min; every baseline was measured in
the same run, on the same machine and database server. Each benchmark can also run alone:
\`node --import tsx bench/auth.ts\`, \`bench/writes.ts\`, \`bench/audit.ts\` (see the top of each file).

## Machine
${machine.map((line) => `- ${line}`).join('\n')}
- Load average (1, 5, 15 min) before the run: ${loadBefore}; after: ${load()}. The machine is shared with
  other work (test suites of other engineers), so absolute figures move between runs; the sides of each
  ratio are interleaved (A B B A) so that a change in outside load falls on both.
- Database: PostgreSQL (local server, loopback), a fresh database per benchmark, dropped afterwards. Tessera
  nodes run inside the benchmark process with request logging silenced and the per-key rate limit raised so
  that it counts every request but refuses none (the same on both sides of every comparison).
- Load generator: autocannon 8 (programmatic API) in a separate process per phase; pgbench 15 for the SQL
  baseline. Latencies are of 2xx responses (autocannon) or of whole transactions (pgbench).

## Results
${table}

${failed.length === 0 ? 'All scenarios with a target or a check passed.' : `Failed: ${failed.join('; ')}.`}

## Details
${notes}
`;
await writeFile(RESULTS, document);
console.log(`\n${table}\n\n${notes}`);
progress(`wrote ${RESULTS}`);
process.exitCode = failed.length === 0 ? 0 : 1;
