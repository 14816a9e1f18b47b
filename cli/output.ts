// Everything the CLI prints goes through here: one JSON object with --json, compact aligned tables without.
// The io is injected so tests run commands in-process and read exactly what a user would see.

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
}

/** The error shape of the CLI, printed on stderr: the API's own code and request id when the API answered. */
export interface CliError {
  code: string;
  message: string;
  request_id: string | null;
  details?: ReadonlyArray<{ field: string; message: string }>;
}

export function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function writeLines(io: CliIo, lines: readonly string[]): void {
  io.stdout.write(lines.map((line) => `${line}\n`).join(''));
}

export function writeError(io: CliIo, error: CliError, json: boolean): void {
  if (json) {
    io.stderr.write(`${JSON.stringify({ error })}\n`);
    return;
  }
  const request = error.request_id ? ` (request ${error.request_id})` : '';
  const details = (error.details ?? []).map((detail) => `  ${detail.field}: ${detail.message}\n`).join('');
  io.stderr.write(`error: ${error.code}: ${error.message}${request}\n${details}`);
}

/** A value as one table cell: absent is `-`, a list is comma-separated, anything else is its text. */
export function showCell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(String).join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A table with a header row; each column as wide as its widest cell, the last one unpadded. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string[] {
  const cells = [headers.map((header) => header.toUpperCase()), ...rows.map((row) => row.map(showCell))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** One object as aligned `field  value` lines, in the order given. */
export function formatRecord(fields: ReadonlyArray<readonly [string, unknown]>): string[] {
  const width = Math.max(...fields.map(([name]) => name.length));
  return fields.map(([name, value]) => `${name.padEnd(width)}  ${showCell(value)}`);
}
