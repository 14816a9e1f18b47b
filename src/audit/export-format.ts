// The two export formats, written and read back here so that both directions agree byte for byte.
// JSONL: one JSON object per line (LF), keys in EXPORT_COLUMNS order; seq and chain_seq are strings (they
//   are 64-bit), timestamps ISO 8601 UTC with milliseconds, status and latency_ms numbers, detail a JSON
//   object or null.
// CSV (RFC 4180): a header row, CRLF line ends, fields quoted when they hold a comma, quote, CR or LF.
//   RFC 4180 has no null, so an empty unquoted field is null and a quoted empty field ("") is the empty
//   string; detail is its canonical JSON. A text that a spreadsheet would run as a formula (it starts with
//   = + - @ TAB or CR) is written with a leading apostrophe, and so is one that starts with an apostrophe,
//   so a reader drops exactly one leading apostrophe (docs/audit-ledger.md §6.3). Either way every event's
//   hash can be recomputed exactly.
import { canonicalJson } from './chain.ts';
import type { AuditDetail, ChainedAuditEvent } from './event.ts';

export type ExportFormat = 'jsonl' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['jsonl', 'csv'];

export const EXPORT_COLUMNS = [
  'seq',
  'id',
  'chain_id',
  'chain_seq',
  'recorded_at',
  'occurred_at',
  'request_id',
  'partner_id',
  'environment',
  'actor_type',
  'actor_id',
  'action',
  'method',
  'path',
  'status',
  'error_code',
  'client_ip',
  'user_agent',
  'latency_ms',
  'detail',
  'prev_hash',
  'hash',
] as const satisfies ReadonlyArray<keyof ChainedAuditEvent>;

export function exportHeader(format: ExportFormat): string {
  return format === 'csv' ? `${EXPORT_COLUMNS.join(',')}\r\n` : '';
}

export function exportLine(event: ChainedAuditEvent, format: ExportFormat): string {
  if (format === 'jsonl') return `${JSON.stringify(jsonlRecord(event))}\n`;
  return `${EXPORT_COLUMNS.map((column) => csvField(event[column], column)).join(',')}\r\n`;
}

/** The event's members in EXPORT_COLUMNS order, as one object literal (one shape for every line). */
function jsonlRecord(event: ChainedAuditEvent): Record<(typeof EXPORT_COLUMNS)[number], unknown> {
  return {
    seq: event.seq,
    id: event.id,
    chain_id: event.chain_id,
    chain_seq: event.chain_seq,
    recorded_at: event.recorded_at,
    occurred_at: event.occurred_at,
    request_id: event.request_id,
    partner_id: event.partner_id,
    environment: event.environment,
    actor_type: event.actor_type,
    actor_id: event.actor_id,
    action: event.action,
    method: event.method,
    path: event.path,
    status: event.status,
    error_code: event.error_code,
    client_ip: event.client_ip,
    user_agent: event.user_agent,
    latency_ms: event.latency_ms,
    detail: event.detail,
    prev_hash: event.prev_hash,
    hash: event.hash,
  };
}

function csvField(value: ChainedAuditEvent[keyof ChainedAuditEvent], column: string): string {
  if (value === null) return '';
  const text = neutraliseFormula(column === 'detail' ? canonicalJson(value) : String(value));
  return text === '' || /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const FORMULA_START = /^[=+\-@\t\r']/;

/** OWASP's CSV injection advice, made reversible: the apostrophe is added to formula starts and to itself. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function restoreFormula(text: string): string {
  return text.startsWith("'") ? text.slice(1) : text;
}

export type ParsedExport =
  | { ok: true; events: ChainedAuditEvent[] }
  | { ok: false; line: number; message: string };

/** A whole export in one buffer (tests and small files); `tessera audit verify` streams with ExportReader. */
export function parseExport(file: Buffer, format: ExportFormat): ParsedExport {
  try {
    const reader = new ExportReader(format);
    return { ok: true, events: [...reader.push(file), ...reader.end()] };
  } catch (error) {
    if (error instanceof ExportParseError) return { ok: false, line: error.line, message: error.message };
    throw error;
  }
}

export class ExportParseError extends Error {
  constructor(
    /** The JSONL line, or the CSV record (the header is record 1). */
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/**
 * No event Tessera writes comes near this (its free-text fields are cut at ingestion), so a longer record is
 * not an export: refused rather than held in memory while more of it arrives.
 */
export const MAX_RECORD_BYTES = 16 * 2 ** 20;

/**
 * Reads an export's events from its bytes in chunks of any size, so a file of any length is read in constant
 * memory: each record is decoded on its own once its last byte has arrived (a record may span chunks, and
 * one string could not hold a large export). JSONL records end at LF; a CSV record ends at the first LF
 * outside quotes, which is where its count of double quotes is even (escaped quotes come in pairs), and must
 * end in CRLF. A record that does not parse throws ExportParseError.
 */
export class ExportReader {
  readonly #format: ExportFormat;
  /** The bytes of the record not yet complete. */
  #rest: Buffer = Buffer.alloc(0);
  /** Double quotes counted in #rest (CSV). */
  #quotes = 0;
  #records = 0;
  readonly #maxRecordBytes: number;

  constructor(format: ExportFormat, maxRecordBytes = MAX_RECORD_BYTES) {
    this.#format = format;
    this.#maxRecordBytes = maxRecordBytes;
  }

  push(chunk: Buffer): ChainedAuditEvent[] {
    const data = this.#rest.length === 0 ? chunk : Buffer.concat([this.#rest, chunk]);
    const events: ChainedAuditEvent[] = [];
    let start = 0;
    // Bytes before `scanned` were looked at by an earlier push.
    let scanned = this.#rest.length;
    for (let end = data.indexOf(LF, scanned); end >= 0; end = data.indexOf(LF, scanned)) {
      if (this.#format === 'csv') this.#quotes += countQuotes(data, scanned, end);
      scanned = end + 1;
      if (this.#quotes % 2 === 1) continue;
      this.#take(data, start, end, events);
      start = end + 1;
    }
    if (this.#format === 'csv') this.#quotes += countQuotes(data, scanned, data.length);
    this.#rest = data.subarray(start);
    this.#checkLength(this.#rest.length, this.#records + 1);
    return events;
  }

  /** The last record, when the file does not end with a line break. */
  end(): ChainedAuditEvent[] {
    const events: ChainedAuditEvent[] = [];
    if (this.#rest.length > 0) this.#take(this.#rest, 0, -1, events);
    this.#rest = Buffer.alloc(0);
    if (this.#format === 'csv' && this.#records === 0) throw new ExportParseError(1, HEADER_MISSING);
    return events;
  }

  /** The record in data[start, lf), where lf is its line break (-1: the file ended without one). */
  #take(data: Buffer, start: number, lf: number, events: ChainedAuditEvent[]): void {
    const number = ++this.#records;
    this.#quotes = 0;
    this.#checkLength((lf < 0 ? data.length : lf) - start, number);
    if (this.#format === 'jsonl') {
      events.push(jsonlEvent(data.toString('utf8', start, lf < 0 ? data.length : lf), number));
      return;
    }
    if (lf >= 0 && data[lf - 1] !== CR) {
      throw new ExportParseError(number, 'a field is followed by neither a comma nor CRLF');
    }
    // An unterminated record is parsed as it is, so an open quote is reported as one.
    const record = data.toString('utf8', start, lf < 0 ? data.length : lf - 1);
    if (number === 1) checkCsvHeader(record);
    else events.push(csvEvent(record, number));
  }

  #checkLength(bytes: number, record: number): void {
    if (bytes > this.#maxRecordBytes) {
      throw new ExportParseError(record, `a record longer than ${this.#maxRecordBytes} bytes`);
    }
  }
}

function countQuotes(data: Buffer, from: number, to: number): number {
  let quotes = 0;
  for (let i = from; i < to; i++) if (data[i] === QUOTE) quotes++;
  return quotes;
}

const HEADER_MISSING = 'the header row is not the export header';

function checkCsvHeader(record: string): void {
  const names = csvFields(record, 1).map((field) => field.text);
  if (names.join(',') !== EXPORT_COLUMNS.join(',')) throw new ExportParseError(1, HEADER_MISSING);
}

function jsonlEvent(line: string, number: number): ChainedAuditEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ExportParseError(number, 'not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ExportParseError(number, 'not a JSON object');
  }
  return toEvent(value as Record<string, unknown>, number);
}

function csvEvent(text: string, line: number): ChainedAuditEvent {
  const fields = csvFields(text, line);
  if (fields.length !== EXPORT_COLUMNS.length) throw new ExportParseError(line, 'wrong number of fields');
  const record: Record<string, unknown> = {};
  EXPORT_COLUMNS.forEach((column, i) => {
    const field = fields[i] ?? { text: '', quoted: false };
    record[column] =
      field.text === '' && !field.quoted ? null : fromCsvText(column, restoreFormula(field.text), line);
  });
  return toEvent(record, line);
}

function fromCsvText(column: string, text: string, line: number): unknown {
  if (column === 'status' || column === 'latency_ms') {
    const number = Number(text);
    if (text.trim() === '' || !Number.isFinite(number))
      throw new ExportParseError(line, `${column} is not a number`);
    return number;
  }
  if (column !== 'detail') return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new ExportParseError(line, 'detail is not valid JSON');
  }
}

interface CsvField {
  text: string;
  quoted: boolean;
}

/** The fields of one CSV record (RFC 4180 section 2; its CRLF removed): a quoted field may hold commas,
 * CRLF and doubled quotes. */
function csvFields(text: string, line: number): CsvField[] {
  const fields: CsvField[] = [];
  let i = 0;
  for (;;) {
    let field: CsvField;
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) throw new ExportParseError(line, 'unterminated quoted field');
        value += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      field = { text: value, quoted: true };
    } else {
      const comma = text.indexOf(',', i);
      const stop = comma < 0 ? text.length : comma;
      field = { text: text.slice(i, stop), quoted: false };
      if (/[\r\n]/.test(field.text)) throw new ExportParseError(line, 'a line break outside a quoted field');
      i = stop;
    }
    fields.push(field);
    if (i >= text.length) return fields;
    if (text[i] !== ',') throw new ExportParseError(line, 'a field is followed by neither a comma nor CRLF');
    i++;
    // The record ended right after a comma: its last field is empty.
    if (i >= text.length) return [...fields, { text: '', quoted: false }];
  }
}

const TEXT = [
  'id',
  'chain_id',
  'recorded_at',
  'occurred_at',
  'actor_type',
  'action',
  'prev_hash',
  'hash',
] as const;
const NULLABLE_TEXT = [
  'request_id',
  'partner_id',
  'environment',
  'actor_id',
  'method',
  'path',
  'error_code',
  'client_ip',
  'user_agent',
] as const;

function toEvent(record: Record<string, unknown>, line: number): ChainedAuditEvent {
  const fail = (message: string): never => {
    throw new ExportParseError(line, message);
  };
  const keys = Object.keys(record);
  if (keys.length !== EXPORT_COLUMNS.length || EXPORT_COLUMNS.some((c) => !Object.hasOwn(record, c))) {
    fail('the fields are not the export columns');
  }
  for (const column of ['seq', 'chain_seq'] as const) {
    if (typeof record[column] !== 'string' || !/^\d+$/.test(record[column] as string))
      fail(`${column} is not a sequence`);
  }
  for (const column of TEXT) if (typeof record[column] !== 'string') fail(`${column} is not text`);
  for (const column of NULLABLE_TEXT) {
    if (record[column] !== null && typeof record[column] !== 'string') fail(`${column} is not text or null`);
  }
  for (const column of ['status', 'latency_ms'] as const) {
    if (record[column] !== null && typeof record[column] !== 'number')
      fail(`${column} is not a number or null`);
  }
  const detail = record.detail;
  if (detail !== null && (typeof detail !== 'object' || Array.isArray(detail)))
    fail('detail is not an object or null');
  return record as unknown as ChainedAuditEvent & { detail: AuditDetail | null };
}
