import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { errorCatalogue } from '../../src/errors.ts';
import { send } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { bookingBody, createQuote } from './trips.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
type Json = Record<string, unknown>;

/** The value at `path` inside a JSON document (undefined when any step is missing). */
function at(node: unknown, ...path: string[]): unknown {
  let current = node;
  for (const part of path) current = (current as Json | undefined)?.[part];
  return current;
}

/** The schema itself, following a `#/components/schemas/…` reference inside `doc`. */
function deref(doc: Json, schema: unknown): Json {
  const ref = (schema as Json | undefined)?.$ref;
  return (typeof ref === 'string' ? at(doc, ...ref.slice(2).split('/')) : schema) as Json;
}

/** Every registered /v1 route as "METHOD /path/{param}", read from Fastify's own route tree. */
function registeredV1Operations(tree: string): string[] {
  const stack: string[] = [];
  const operations: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^(.*?)(?:├── |└── )(\S+)(?: \(([^)]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const path = (stack[depth - 1] ?? '') + (match[2] ?? '');
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of (match[3] ?? '').split(', ').filter((m) => m && m !== 'HEAD')) {
      if (path.startsWith('/v1/')) operations.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return operations.sort();
}

for (const target of databaseTargets()) {
  describe(`OpenAPI document and reference page (${target})`, () => {
    let h: Harness;
    let doc: Json = {};
    before(async () => {
      h = await startHarness(target);
      const reply = await send(h.baseUrl, '/v1/openapi.json');
      assert.equal(reply.status, 200);
      assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
      doc = JSON.parse(reply.text);
    });
    after(() => h?.close());

    test('it is OpenAPI 3.1 and documents every /v1 route, and nothing else', () => {
      assert.equal(at(doc, 'openapi'), '3.1.0');
      assert.equal(typeof at(doc, 'info', 'title'), 'string');
      assert.equal(typeof at(doc, 'info', 'version'), 'string');
      const documented = Object.entries(at(doc, 'paths') as Record<string, Json>)
        .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
        .sort();
      const registered = registeredV1Operations(h.tessera.app.printRoutes({ commonPrefix: false }));
      assert.deepEqual(documented, registered);
      for (const expected of [
        'GET /v1/me',
        'POST /v1/quotes',
        'GET /v1/quotes/{id}',
        'POST /v1/bookings',
        'GET /v1/bookings',
        'GET /v1/bookings/{id}',
        'POST /v1/bookings/{id}/cancel',
        'GET /v1/openapi.json',
      ]) {
        assert.ok(documented.includes(expected), expected);
      }
    });

    test('the bearer key scheme and the three signing headers are described', () => {
      assert.equal(at(doc, 'components', 'securitySchemes', 'bearerAuth', 'type'), 'http');
      assert.equal(at(doc, 'components', 'securitySchemes', 'bearerAuth', 'scheme'), 'bearer');
      const parameters = Object.values(at(doc, 'components', 'parameters') as Record<string, Json>);
      const headers = parameters.map((p) => `${String(p.in)}:${String(p.name)}`);
      assert.deepEqual(headers.sort(), [
        'header:Idempotency-Key',
        'header:X-Signature',
        'header:X-Timestamp',
      ]);
      assert.ok(
        String(at(doc, 'info', 'description')).includes(
          '{X-Timestamp}\\n{METHOD}\\n{path-with-query}\\n{body}',
        ),
      );

      const signed = at(doc, 'paths', '/v1/bookings', 'post');
      const refs = (at(signed, 'parameters') as Json[]).map((p) => p.$ref);
      for (const name of ['IdempotencyKey', 'XTimestamp', 'XSignature']) {
        assert.ok(refs.includes(`#/components/parameters/${name}`), name);
      }
      assert.deepEqual(at(signed, 'security'), [{ bearerAuth: [] }]);
      assert.equal(at(signed, 'x-tessera-security', 'scope'), 'bookings:write');
      const readParameters = at(doc, 'paths', '/v1/bookings', 'get', 'parameters') as Json[];
      assert.equal(
        readParameters.some((p) => p.$ref !== undefined),
        false,
        'reads are unsigned',
      );
      assert.deepEqual(
        at(doc, 'paths', '/v1/openapi.json', 'get', 'security'),
        [],
        'the document itself is public',
      );
    });

    test('errors share one schema listing every catalogued code, and each status names its codes', () => {
      assert.deepEqual(
        at(doc, 'components', 'schemas', 'Error', 'properties', 'code', 'enum'),
        Object.keys(errorCatalogue),
      );
      const responses = at(doc, 'paths', '/v1/bookings', 'post', 'responses');
      assert.match(String(at(responses, '401', 'description')), /auth\.signature\.invalid/);
      assert.match(String(at(responses, '409', 'description')), /quote\.already_booked/);
      assert.match(String(at(responses, '409', 'description')), /idempotency\.key\.in_progress/);
      assert.match(String(at(responses, '422', 'description')), /idempotency\.key\.conflict/);
      assert.equal(
        at(responses, '404', 'content', 'application/json', 'schema', '$ref'),
        '#/components/schemas/Error',
      );
    });

    test('every $ref resolves inside the document', () => {
      const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
      assert.ok(refs.length > 0);
      for (const ref of refs) {
        const pointer = ref.slice(8, -1).replace(/^#\//, '').split('/');
        assert.ok(at(doc, ...pointer) !== undefined, ref);
      }
    });

    test('the documented schemas are the ones the API answers with', async () => {
      const ajv = addFormats(new Ajv({ strict: false }));
      const quote = await createQuote(h.a.test);
      const quoteSchema = at(
        doc,
        'paths',
        '/v1/quotes',
        'post',
        'responses',
        '201',
        'content',
        'application/json',
        'schema',
      );
      assert.ok(ajv.validate(deref(doc, quoteSchema), quote), JSON.stringify(ajv.errors));

      const request = bookingBody(quote.id);
      const requestSchema = at(
        doc,
        'paths',
        '/v1/bookings',
        'post',
        'requestBody',
        'content',
        'application/json',
        'schema',
      );
      assert.ok(ajv.validate(deref(doc, requestSchema), request), JSON.stringify(ajv.errors));
      assert.equal(ajv.validate(deref(doc, requestSchema), { ...request, partner_id: 'x' }), false);
      const booking = await h.a.test.post('/v1/bookings', request);
      const bookingSchema = at(
        doc,
        'paths',
        '/v1/bookings',
        'post',
        'responses',
        '201',
        'content',
        'application/json',
        'schema',
      );
      assert.ok(ajv.validate(deref(doc, bookingSchema), booking.body), JSON.stringify(ajv.errors));

      const page = await h.a.test.get('/v1/bookings');
      const pageSchema = at(
        doc,
        'paths',
        '/v1/bookings',
        'get',
        'responses',
        '200',
        'content',
        'application/json',
        'schema',
      );
      assert.ok(ajv.validate(deref(doc, pageSchema), page.body), JSON.stringify(ajv.errors));
    });

    test('/docs is a readable HTML reference that needs no script and passes a strict CSP', async () => {
      const reply = await send(h.baseUrl, '/docs');
      assert.equal(reply.status, 200);
      assert.match(reply.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(reply.text, /^<!doctype html>/i);
      assert.doesNotMatch(reply.text, /<script/i);
      assert.doesNotMatch(reply.text, /\son\w+=/i, 'no inline event handlers');
      for (const path of Object.keys(at(doc, 'paths') as Json)) assert.ok(reply.text.includes(path), path);
      assert.ok(reply.text.includes('Idempotency-Key'));

      const csp = reply.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|script-src/);
      const style = /<style>([\s\S]*?)<\/style>/.exec(reply.text)?.[1] ?? '';
      const hash = createHash('sha256').update(style).digest('base64');
      assert.ok(
        csp.includes(`style-src 'sha256-${hash}'`),
        'the one inline stylesheet is allowed by its hash',
      );
    });
  });
}
