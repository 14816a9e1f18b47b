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

/**
 * Parses an export record by record, decoding each on its own: an export may be larger than the longest
 * string Node can hold (about 512 MiB), so the file is never decoded whole.
 */
export function parseExport(file: Buffer, format: ExportFormat): ParsedExport {
  try {
    return { ok: true, events: format === 'jsonl' ? parseJsonl(file) : parseCsv(file) };
  } catch (error) {
    if (error instanceof ParseError) return { ok: false, line: error.line, message: error.message };
    throw error;
  }
}

const LF = 0x0a;
const QUOTE = 0x22;

/** The file's LF-terminated lines (a last line without LF included), decoded one at a time. */
function* lines(file: Buffer): Generator<string> {
  for (let start = 0; start < file.length; ) {
    const end = file.indexOf(LF, start);
    const stop = end < 0 ? file.length : end;
    yield file.toString('utf8', start, stop);
    start = stop + 1;
  }
}

/**
 * CSV records (RFC 4180: each ends in CRLF, and a quoted field may hold CRLF), without their CRLF: lines are
 * joined while a record's count of double quotes is odd, since escaped quotes come in pairs.
 */
function* csvRecords(file: Buffer): Generator<string> {
  let pending = '';
  let quotes = 0;
  let record = 1;
  for (let start = 0; start < file.length; ) {
    const end = file.indexOf(LF, start);
    const stop = end < 0 ? file.length : end;
    for (let i = start; i < stop; i++) if (file[i] === QUOTE) quotes++;
    pending += file.toString('utf8', start, end < 0 ? stop : stop + 1);
    start = stop + 1;
    if (quotes % 2 === 1 && end >= 0) continue;
    if (end >= 0 && !pending.endsWith('\r\n')) {
      throw new ParseError(record, 'a field is followed by neither a comma nor CRLF');
    }
    yield end >= 0 ? pending.slice(0, -2) : pending;
    pending = '';
    quotes = 0;
    record++;
  }
  if (pending !== '') yield pending;
}

class ParseError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

function parseJsonl(file: Buffer): ChainedAuditEvent[] {
  const events: ChainedAuditEvent[] = [];
  for (const line of lines(file)) {
    const number = events.length + 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ParseError(number, 'not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ParseError(number, 'not a JSON object');
    }
    events.push(toEvent(value as Record<string, unknown>, number));
  }
  return events;
}

function parseCsv(file: Buffer): ChainedAuditEvent[] {
  const records = csvRecords(file);
  const header = records.next();
  if (
    header.done ||
    csvFields(header.value, 1)
      .map((f) => f.text)
      .join(',') !== EXPORT_COLUMNS.join(',')
  ) {
    throw new ParseError(1, 'the header row is not the export header');
  }
  const events: ChainedAuditEvent[] = [];
  for (const text of records) {
    const line = events.length + 2;
    const fields = csvFields(text, line);
    if (fields.length !== EXPORT_COLUMNS.length) throw new ParseError(line, 'wrong number of fields');
    const record: Record<string, unknown> = {};
    EXPORT_COLUMNS.forEach((column, i) => {
      const field = fields[i] ?? { text: '', quoted: false };
      record[column] =
        field.text === '' && !field.quoted ? null : fromCsvText(column, restoreFormula(field.text), line);
    });
    events.push(toEvent(record, line));
  }
  return events;
}

function fromCsvText(column: string, text: string, line: number): unknown {
  if (column === 'status' || column === 'latency_ms') {
    const number = Number(text);
    if (text.trim() === '' || !Number.isFinite(number))
      throw new ParseError(line, `${column} is not a number`);
    return number;
  }
  if (column !== 'detail') return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new ParseError(line, 'detail is not valid JSON');
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
        if (quote < 0) throw new ParseError(line, 'unterminated quoted field');
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
      if (/[\r\n]/.test(field.text)) throw new ParseError(line, 'a line break outside a quoted field');
      i = stop;
    }
    fields.push(field);
    if (i >= text.length) return fields;
    if (text[i] !== ',') throw new ParseError(line, 'a field is followed by neither a comma nor CRLF');
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
    throw new ParseError(line, message);
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
