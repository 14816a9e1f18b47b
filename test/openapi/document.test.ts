// The OpenAPI document as a partner's tooling reads it (redocly lint clean, named schemas, readable
// operation ids, every example a request the API accepts as valid) and /docs as a person reads it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { renderReferencePage } from '../../src/openapi/reference-page.ts';
import { send } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';

type Json = Record<string, unknown>;
const run = promisify(execFile);
const REDOCLY = fileURLToPath(new URL('../../node_modules/@redocly/cli/bin/cli.js', import.meta.url));
// The server's clock: the examples' dates are computed from it.
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);

function operations(doc: Json): Array<{ key: string; op: Json }> {
  return Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
  );
}

function requestExample(op: Json): unknown {
  const media = (op.requestBody as { content?: Record<string, Json> } | undefined)?.content?.[
    'application/json'
  ];
  const examples = media?.examples as Record<string, { value: unknown }> | undefined;
  return examples === undefined ? undefined : Object.values(examples)[0]?.value;
}

for (const target of databaseTargets()) {
  describe(`the OpenAPI document for tools, and /docs for people (${target})`, () => {
    let h: Harness;
    let doc: Json;
    let work: string;
    before(async () => {
      h = await startHarness(target, { now: () => NOW });
      doc = JSON.parse((await send(h.baseUrl, '/v1/openapi.json')).text);
      work = await mkdtemp(join(tmpdir(), 'tessera-openapi-'));
    });
    after(async () => {
      await h?.close();
      await rm(work, { recursive: true, force: true });
    });

    test('redocly lint (recommended rules) finds no error and no warning', async () => {
      const file = join(work, 'openapi.json');
      await writeFile(file, JSON.stringify(doc));
      const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
      const result = await run(process.execPath, [REDOCLY, 'lint', '--format=json', file], { env }).catch(
        (error: { stdout: string; stderr: string }) => assert.fail(`redocly lint failed:\n${error.stdout}`),
      );
      const report = JSON.parse(result.stdout) as { totals: { errors: number; warnings: number } };
      assert.deepEqual(report.totals, { ...report.totals, errors: 0, warnings: 0 });
    });

    test('bodies are named schemas and every operation has a readable id and a summary', () => {
      const schemas = Object.keys((doc.components as Json).schemas as Json);
      for (const name of [
        'Error',
        'Quote',
        'QuoteCreateRequest',
        'Booking',
        'BookingCreateRequest',
        'BookingList',
      ]) {
        assert.ok(schemas.includes(name), `${name} in ${schemas.join(', ')}`);
      }
      const ids = operations(doc).map(({ key, op }) => {
        assert.equal(typeof op.summary, 'string', `${key} has a summary`);
        assert.match(String(op.operationId), /^[a-z][A-Za-z]+$/, key);
        assert.doesNotMatch(String(op.operationId), /V1/, key);
        return op.operationId;
      });
      assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
      const byKey = Object.fromEntries(operations(doc).map(({ key, op }) => [key, op.operationId]));
      assert.equal(byKey['POST /v1/quotes'], 'createQuote');
      assert.equal(byKey['POST /v1/bookings/{id}/cancel'], 'cancelBooking');
    });

    test('licence, a 4xx on the document itself, transport.https_required, date-time periods', () => {
      assert.equal(
        (doc.info as Json).license && ((doc.info as Json).license as Json).identifier,
        'Apache-2.0',
      );
      const self = operations(doc).find(({ key }) => key === 'GET /v1/openapi.json')?.op;
      const responses = (self?.responses ?? {}) as Record<string, Json>;
      assert.match(String(responses['403']?.description), /transport\.https_required/);
      const exportOp = operations(doc).find(({ key }) => key === 'GET /v1/audit-events')?.op ?? {};
      for (const parameter of (exportOp.parameters ?? []) as Json[]) {
        if (parameter.name === 'from' || parameter.name === 'to') {
          assert.equal((parameter.schema as Json).format, 'date-time', String(parameter.name));
        }
      }
    });

    test('the audit export documents the media types the server sends', async () => {
      const exportOp = operations(doc).find(({ key }) => key === 'GET /v1/audit-events')?.op ?? {};
      const media = Object.keys(((exportOp.responses as Record<string, Json>)['200']?.content ?? {}) as Json);
      const sent: string[] = [];
      for (const format of ['jsonl', 'csv']) {
        const reply = await h.a.test.get(`/v1/audit-events?from=2026-01-01T00:00:00Z&format=${format}`);
        assert.equal(reply.status, 200, reply.text);
        sent.push((reply.headers.get('content-type') ?? '').split(';')[0] ?? '');
      }
      assert.deepEqual(media.sort(), sent.sort());
    });

    test('every request example passes validation on the live API', async () => {
      const writes = operations(doc).filter(({ op }) => requestExample(op) !== undefined);
      assert.ok(writes.length >= 2);
      for (const { key, op } of writes) {
        const [method = '', path = ''] = key.split(' ');
        const reply = await h.a.test.write(method, path, requestExample(op), {
          timestamp: Math.floor(NOW / 1000),
        });
        // The booking example names a quote that does not exist: valid, and then not found.
        assert.ok(reply.status < 400 || reply.body.code === 'resource.not_found', `${key}: ${reply.text}`);
      }
    });

    test('/docs renders fields as tables and the signing recipe, not raw JSON Schema or Markdown', async () => {
      const page = (await send(h.baseUrl, '/docs')).text;
      assert.doesNotMatch(page, /"additionalProperties"|"type":\s*"object"/, 'no raw JSON Schema');
      const prose = page.replace(/<pre>[\s\S]*?<\/pre>/g, '');
      assert.doesNotMatch(prose, /`/, 'no raw Markdown code spans outside code samples');
      assert.match(page, /<h2 id="signing">Signing a write<\/h2>/);
      assert.match(page, /<td><code>travellers\[\]\.birth_date<\/code><\/td>/);
      assert.match(page, /<li><code>Idempotency-Key<\/code>: a UUID v4/);
      assert.ok(page.includes('2026-12-29'), 'the example dates come from the server clock');
    });
  });
}

describe('the reference page escapes what the document says', () => {
  test('markup in a description, a summary or a schema name is shown as text', () => {
    const attack = '<img src=x onerror=alert(1)>';
    const page = renderReferencePage({
      info: { title: attack, description: `- \`${attack}\`` },
      paths: {
        '/v1/x': {
          get: { operationId: 'getX', summary: attack, responses: { '200': { description: attack } } },
        },
      },
      components: { schemas: { [attack]: { type: 'object', properties: { [attack]: { type: 'string' } } } } },
    });
    assert.ok(!page.includes('<img'), 'no tag from the document');
    assert.ok(page.includes('&lt;img src=x onerror=alert(1)&gt;'));
  });
});
