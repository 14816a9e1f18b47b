// The export side of bench/audit, in a process of its own so that its peak RSS is the export's alone:
// streams one partner's audit log to a file with the audit export function (writeExport, as the staff
// export route runs it, under the partner's row-level-security scope) while sampling RSS every 50 ms, then
// verifies the file offline, event by event, with the same AuditVerifier the CLI uses. Memory is flat when
// the second half of the export peaks no higher than the first (an export that kept its events would climb).
// Then the two floors: the export's batches read and dropped, and the file's records given to JSON.parse alone.
import { createReadStream, createWriteStream } from 'node:fs';
import { type ExportRequest, eventRowBatches, type RunBatch, writeExport } from '../../src/audit/export.ts';
import { ExportReader } from '../../src/audit/export-format.ts';
import { AuditVerifier } from '../../src/audit/verify.ts';
import type { Queryable } from '../../src/db/database.ts';
import { openPostgres } from '../../src/db/postgres.ts';

export interface ExportJob {
  databaseUrl: string;
  partnerId: string;
  file: string;
  from: string;
  to: string;
}

export interface ExportOutcome {
  events: number;
  bytes: number;
  seconds: number;
  /** CPU time (user + system) of this process during the export: steadier than `seconds` on a busy machine. */
  cpuSeconds: number;
  startRssBytes: number;
  peakRssBytes: number;
  /** The highest RSS sampled in the first and in the second half of the export's time. */
  firstHalfPeakRssBytes: number;
  secondHalfPeakRssBytes: number;
  verified: {
    ok: boolean;
    events: number;
    chains: number;
    problems: number;
    seconds: number;
    cpuSeconds: number;
  };
  /** The floor of verification: the same file, each record only given to JSON.parse. */
  parsedOnly: { events: number; seconds: number };
  /** The floor of the export: the same rows read with its own query and driver, nothing formatted. */
  readOnly: { events: number; seconds: number; cpuSeconds: number };
}

async function exportAndMeasure(job: ExportJob): Promise<ExportOutcome> {
  const db = await openPostgres(job.databaseUrl, 2);
  const run = <T>(work: (tx: Queryable) => Promise<T>) =>
    db.scoped({ partnerId: job.partnerId, environment: 'live' }, work);
  const request: ExportRequest = {
    partnerId: job.partnerId,
    chainIds: [job.partnerId, `${job.partnerId}/live`, `${job.partnerId}/test`],
    from: new Date(job.from),
    to: new Date(job.to),
    format: 'jsonl',
  };
  try {
    const startRssBytes = process.memoryUsage.rss();
    const samples: Array<[at: number, rss: number]> = [];
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const sampler = setInterval(() => samples.push([performance.now(), process.memoryUsage.rss()]), 50);
    const written = await writeExport(run, request, createWriteStream(job.file));
    const ended = performance.now();
    const cpuSeconds = cpuSecondsSince(cpuStarted);
    clearInterval(sampler);
    samples.push([ended, process.memoryUsage.rss()]);
    const middle = (started + ended) / 2;
    const peak = (half: Array<[number, number]>) => Math.max(startRssBytes, ...half.map(([, rss]) => rss));
    return {
      ...written,
      seconds: (ended - started) / 1000,
      cpuSeconds,
      startRssBytes,
      peakRssBytes: peak(samples),
      firstHalfPeakRssBytes: peak(samples.filter(([at]) => at < middle)),
      secondHalfPeakRssBytes: peak(samples.filter(([at]) => at >= middle)),
      verified: await verifyFile(job.file),
      parsedOnly: await parseOnly(job.file),
      readOnly: await readOnly(run, request),
    };
  } finally {
    await db.close();
  }
}

const READ_CHUNK_BYTES = 2 ** 20;
const LF = 0x0a;

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1e6;
}

async function verifyFile(file: string): Promise<ExportOutcome['verified']> {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const verifier = new AuditVerifier([]);
  // Read as `tessera audit verify` reads an export: streamed in 1 MiB chunks, each record parsed and checked
  // against the export columns as it completes (ExportReader).
  const reader = new ExportReader('jsonl');
  for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK_BYTES })) {
    for (const event of reader.push(chunk as Buffer)) verifier.addEvent(event);
  }
  for (const event of reader.end()) verifier.addEvent(event);
  verifier.checkChainStarts();
  const report = verifier.report();
  return {
    ok: report.ok,
    events: report.events,
    chains: report.chains,
    problems: report.problems.length,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: cpuSecondsSince(cpuStarted),
  };
}

/**
 * The export's own batches (query, driver, one batch read ahead) and nothing else: no event built, no line
 * formatted, nothing written. What the export costs before it formats anything.
 */
async function readOnly(run: RunBatch, request: ExportRequest): Promise<ExportOutcome['readOnly']> {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let events = 0;
  for await (const rows of eventRowBatches(run, request)) events += rows.length;
  return { events, seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSecondsSince(cpuStarted) };
}

/**
 * Every record of the file given to JSON.parse and nothing else: what any verifier that parses the JSONL with
 * the platform's JSON parser spends before it checks, hashes or links anything.
 */
async function parseOnly(file: string): Promise<ExportOutcome['parsedOnly']> {
  const started = performance.now();
  let events = 0;
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK_BYTES })) {
    const data = rest.length > 0 ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    for (let lf = data.indexOf(LF); lf >= 0; lf = data.indexOf(LF, start)) {
      JSON.parse(data.toString('utf8', start, lf));
      events++;
      start = lf + 1;
    }
    rest = data.subarray(start);
  }
  return { events, seconds: (performance.now() - started) / 1000 };
}

process.once('message', (job: ExportJob) => {
  exportAndMeasure(job).then(
    (outcome) => process.send?.(outcome, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
process.send?.('ready');
