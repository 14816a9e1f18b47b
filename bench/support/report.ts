// One row per scenario, and the table that `npm run bench` prints and writes to bench/RESULTS.md.

export interface Measurement {
  label: string;
  throughput: number;
  unit: 'req/s' | 'tx/s' | 'events/s';
  /** Milliseconds; absent where the scenario has no per-request latency (an export). */
  p50?: number;
  p99?: number;
}

export interface Check {
  label: string;
  ok: boolean;
}

export interface ScenarioRow {
  scenario: string;
  measured: Measurement;
  /** Measured in the same run, on the same machine and database. */
  baseline?: Measurement;
  /** The minimum measured/baseline ratio; absent for figures that are reported, not judged. */
  target?: number;
  /** Absolute targets, for figures judged on their own: a floor on throughput, a ceiling on p99 (ms). */
  bounds?: { minThroughput?: number; maxP99?: number };
  /** Conditions the scenario must also meet to pass (e.g. one Argon2id verification per key per node). */
  checks: Check[];
  notes: string[];
}

export function ratioOf(row: ScenarioRow): number | undefined {
  return row.baseline ? row.measured.throughput / row.baseline.throughput : undefined;
}

export function verdict(row: ScenarioRow): 'PASS' | 'FAIL' | 'info' {
  const checksOk = row.checks.every((check) => check.ok);
  const ratio = ratioOf(row);
  const judged = (row.target !== undefined && ratio !== undefined) || row.bounds !== undefined;
  if (!judged) return checksOk ? 'info' : 'FAIL';
  return checksOk && ratioMet(row, ratio) && boundsMet(row) ? 'PASS' : 'FAIL';
}

function ratioMet(row: ScenarioRow, ratio: number | undefined): boolean {
  return row.target === undefined || (ratio !== undefined && ratio >= row.target);
}

function boundsMet({ bounds, measured }: ScenarioRow): boolean {
  if (!bounds) return true;
  const floorMet = bounds.minThroughput === undefined || measured.throughput >= bounds.minThroughput;
  const ceilingMet =
    bounds.maxP99 === undefined || (measured.p99 !== undefined && measured.p99 <= bounds.maxP99);
  return floorMet && ceilingMet;
}

function targetText(row: ScenarioRow): string {
  const parts: string[] = [];
  if (row.target !== undefined) parts.push(`≥ ${row.target}`);
  if (row.bounds?.minThroughput !== undefined)
    parts.push(`≥ ${row.bounds.minThroughput.toLocaleString('en-US')} ${row.measured.unit}`);
  if (row.bounds?.maxP99 !== undefined) parts.push(`p99 ≤ ${row.bounds.maxP99} ms`);
  return parts.length === 0 ? '–' : parts.join(', ');
}

const rate = (m: Measurement) => `${Math.round(m.throughput).toLocaleString('en-US')} ${m.unit}`;
const ms = (value: number | undefined) => (value === undefined ? '–' : `${value} ms`);

export function resultsTable(rows: readonly ScenarioRow[]): string {
  const header = [
    'Scenario',
    'Throughput',
    'p50',
    'p99',
    'Baseline (same run)',
    'Baseline throughput',
    'Baseline p50 / p99',
    'Ratio',
    'Target',
    'Result',
  ];
  const lines = rows.map((row) => {
    const ratio = ratioOf(row);
    const base = row.baseline;
    return [
      row.scenario,
      rate(row.measured),
      ms(row.measured.p50),
      ms(row.measured.p99),
      base?.label ?? '–',
      base ? rate(base) : '–',
      base ? `${ms(base.p50)} / ${ms(base.p99)}` : '–',
      ratio === undefined ? '–' : ratio.toFixed(2),
      targetText(row),
      verdict(row),
    ];
  });
  return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

export function resultsNotes(rows: readonly ScenarioRow[]): string {
  return rows
    .map((row) => {
      const items = [...row.checks.map((check) => `${check.ok ? '✔' : '✘'} ${check.label}`), ...row.notes];
      return `**${row.scenario}**\n${items.map((item) => `- ${item}`).join('\n')}`;
    })
    .join('\n\n');
}
