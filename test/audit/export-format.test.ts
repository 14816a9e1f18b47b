// Export files are parsed record by record from their bytes (an export may be larger than the longest
// string Node can hold): CSV records end in CRLF, and a quoted field keeps its commas, CRLFs and quotes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { ChainedAuditEvent } from '../../src/audit/event.ts';
import {
  type ExportFormat,
  ExportParseError,
  ExportReader,
  exportHeader,
  exportLine,
  MAX_RECORD_BYTES,
  parseExport,
} from '../../src/audit/export-format.ts';

const EVENT: ChainedAuditEvent = {
  seq: '7',
  id: 'evt_export_format',
  chain_id: 'ptn_exportformat/live',
  chain_seq: '3',
  recorded_at: '2026-06-15T12:00:00.001Z',
  occurred_at: '2026-06-15T12:00:00.000Z',
  request_id: 'req_export_format',
  partner_id: 'ptn_exportformat',
  environment: 'live',
  actor_type: 'key',
  actor_id: 'sk_live_abc',
  action: 'api.request',
  method: 'GET',
  path: '/v1/me',
  status: 200,
  error_code: null,
  client_ip: '203.0.113.9',
  user_agent: '=cmd|"a,b"\r\nnext line',
  latency_ms: 1.5,
  detail: { note: 'x,y' },
  prev_hash: 'a'.repeat(64),
  hash: 'b'.repeat(64),
};

for (const format of ['jsonl', 'csv'] as const) {
  test(`a ${format} export parses back to the same events, a quoted CRLF and formula included`, () => {
    const file = Buffer.from(exportHeader(format) + exportLine(EVENT, format) + exportLine(EVENT, format));
    const parsed = parseExport(file, format);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
    assert.deepEqual(parsed.events, [EVENT, EVENT]);
  });
}

test('a CSV record ending in a bare LF, or a line break outside quotes, is a parse error', () => {
  const header = exportHeader('csv');
  const line = exportLine(EVENT, 'csv');
  const bareLf = Buffer.from(header + line.replace(/\r\n$/, '\n'));
  assert.deepEqual(parseExport(bareLf, 'csv'), {
    ok: false,
    line: 2,
    message: 'a field is followed by neither a comma nor CRLF',
  });
  const strayCr = Buffer.from(header + line.replace('api.request', 'api\rrequest'));
  assert.equal(parseExport(strayCr, 'csv').ok, false);
  assert.equal(parseExport(Buffer.from('{"id":1}\nnot json\n'), 'jsonl').ok, false);
});

test('a JSONL line is the published export bytes, whatever the order of the event object its fields come in', () => {
  const vectors = JSON.parse(
    readFileSync(new URL('../../docs/audit-ledger-vectors.json', import.meta.url), 'utf8'),
  ) as { export: { jsonl: string } };
  const lines = vectors.export.jsonl.split('\n').filter((line) => line !== '');
  const written = lines.map((line) => {
    const event = JSON.parse(line) as Record<string, unknown>;
    const reversed = Object.fromEntries(Object.entries(event).reverse()) as unknown as ChainedAuditEvent;
    return exportLine(reversed, 'jsonl');
  });
  assert.equal(written.join(''), vectors.export.jsonl);
});

/** The file read as `tessera audit verify` reads it: in chunks of `size` bytes. */
function readInChunks(file: Buffer, format: ExportFormat, size: number) {
  const reader = new ExportReader(format);
  try {
    const events = [];
    for (let at = 0; at < file.length; at += size) events.push(...reader.push(file.subarray(at, at + size)));
    events.push(...reader.end());
    return { ok: true, events };
  } catch (error) {
    const { line, message } = error as { line: number; message: string };
    return { ok: false, line, message };
  }
}

test('read in chunks of any size, a record split anywhere (in a quoted CRLF, between CR and LF, inside a UTF-8 character), an export gives the same events and the same errors', () => {
  const event = { ...EVENT, path: '/v1/zürich/€' };
  for (const format of ['jsonl', 'csv'] as const) {
    const good = Buffer.from(exportHeader(format) + exportLine(event, format).repeat(3));
    const withoutLastBreak = good.subarray(0, good.length - (format === 'csv' ? 2 : 1));
    const broken = Buffer.from(
      exportHeader(format) + exportLine(event, format) + (format === 'csv' ? 'a,"open\r\n' : '{"id":\n'),
    );
    for (const file of [good, withoutLastBreak, broken]) {
      const expected = parseExport(file, format);
      for (let size = 1; size <= 97; size++) {
        assert.deepEqual(readInChunks(file, format, size), expected, `${format}, chunks of ${size}`);
      }
    }
    assert.equal(parseExport(good, format).ok, true);
    assert.equal(parseExport(withoutLastBreak, format).ok, true);
    assert.equal(parseExport(broken, format).ok, false);
  }
});

test('a record longer than the limit is refused as it arrives, not held while more of it comes', () => {
  const limit = 4096;
  for (const format of ['jsonl', 'csv'] as const) {
    const line = exportLine(EVENT, format);
    const header = Buffer.from(exportHeader(format) + line);
    // Whole: a complete record over the limit, after a good one.
    const whole = new ExportReader(format, limit);
    const long = Buffer.from(`${line.slice(0, -1).padEnd(limit + 1, ' ')}\n`);
    assert.throws(
      () => whole.push(Buffer.concat([header, long])),
      (error: unknown) =>
        error instanceof ExportParseError &&
        error.line === (format === 'csv' ? 3 : 2) &&
        error.message === `a record longer than ${limit} bytes`,
    );
    // Streamed: a record that never ends is refused once it passes the limit, within one more chunk. In CSV
    // also a quote left open, so that every line break that follows stays inside the record.
    const endless: Array<[opening: string, chunk: Buffer]> = [['', Buffer.alloc(1000, 'x')]];
    if (format === 'csv') endless.push(['a,"', Buffer.from('x\r\n'.repeat(250))]);
    for (const [opening, chunk] of endless) {
      const streamed = new ExportReader(format, limit);
      streamed.push(Buffer.concat([header, Buffer.from(opening)]));
      let pushed = 0;
      assert.throws(
        () => {
          for (let sent = 0; sent < 100; sent++) {
            streamed.push(chunk);
            pushed += chunk.length;
          }
        },
        (error: unknown) =>
          error instanceof ExportParseError && error.message === `a record longer than ${limit} bytes`,
      );
      assert.ok(pushed <= limit, `refused after ${pushed} bytes of the record`);
    }
  }
  // An export's own records are far below the default limit.
  assert.ok(Buffer.byteLength(exportLine(EVENT, 'jsonl')) < MAX_RECORD_BYTES / 1000);
});
