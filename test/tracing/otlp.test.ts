import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createPartnerWithKey, quoteParams } from '../faults/support.ts';
import { PartnerClient, secretOf, send, signRequest } from '../support/client.ts';
import { createPostgresDatabase, dropPostgresDatabase } from '../support/database.ts';
import { ADMIN_TOKEN } from '../support/harness.ts';
import { type NodeProcess, startNode } from '../support/node-process.ts';
import { freePort } from '../support/ports.ts';

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

/** A local OTLP/HTTP receiver: keeps every JSON export request's raw text and its spans. */
function startReceiver(port: number) {
  const bodies: string[] = [];
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (request.url === '/v1/traces' && request.headers['content-type']?.startsWith('application/json')) {
        bodies.push(text);
        const body = JSON.parse(text) as {
          resourceSpans: Array<{ scopeSpans: Array<{ spans: ReceivedSpan[] }> }>;
        };
        for (const resource of body.resourceSpans)
          for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(port, '127.0.0.1');
  return { bodies, spans, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

describe('OpenTelemetry tracing over OTLP/HTTP', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-otel-'));
  let receiver: ReturnType<typeof startReceiver>;
  let node: NodeProcess;
  let databaseUrl: string | undefined;
  before(async () => {
    const port = await freePort();
    receiver = startReceiver(port);
    // On a PostgreSQL run the node gets a fresh database of its own, never the shared one.
    databaseUrl = process.env.DATABASE_URL ? await createPostgresDatabase() : undefined;
    node = await startNode({
      TESSERA_DATA_DIR: dataDir,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    });
  });
  after(async () => {
    await node?.kill('SIGKILL');
    await receiver?.close();
    if (databaseUrl) await dropPostgresDatabase(databaseUrl);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const spansOf = async (traceId: string, expected: readonly string[]) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const spans = receiver.spans.filter((span) => span.traceId === traceId);
      const names = new Set(spans.map((span) => span.name));
      if (expected.every((name) => names.has(name)) || Date.now() > deadline) return spans;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  test('a request joins the caller trace with authentication, database and audit spans, and no secret', async () => {
    const { key } = await createPartnerWithKey(node.url);
    const client = new PartnerClient(node.url, key);

    // Sent first, so its spans (if any) would be exported no later than the ones awaited below.
    const probeTrace = hex(16);
    assert.equal(
      (await send(node.url, '/readyz', { headers: { traceparent: `00-${probeTrace}-${hex(8)}-01` } })).status,
      200,
    );

    const readTrace = hex(16);
    const callerSpan = hex(8);
    const read = await client.get('/v1/me', { traceparent: `00-${readTrace}-${callerSpan}-01` });
    assert.equal(read.status, 200);

    const writeTrace = hex(16);
    const body = JSON.stringify(quoteParams(3));
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signRequest({
      secret: secretOf(key),
      method: 'POST',
      path: '/v1/quotes',
      body,
      timestamp,
    });
    const write = await client.post('/v1/quotes', body, {
      timestamp,
      signature,
      headers: { traceparent: `00-${writeTrace}-${hex(8)}-01` },
    });
    assert.equal(write.status, 201, write.text);

    const readSpans = await spansOf(readTrace, ['GET /v1/me', 'authenticate', 'audit record']);
    const server = readSpans.find((span) => span.name === 'GET /v1/me');
    assert.ok(server, `server span among ${readSpans.map((s) => s.name).join(', ')}`);
    assert.equal(server.parentSpanId, callerSpan, 'the incoming traceparent is the parent');
    assert.equal(server.kind, 2, 'SERVER');
    for (const name of ['authenticate', 'audit record']) {
      assert.equal(readSpans.find((span) => span.name === name)?.parentSpanId, server.spanId, name);
    }
    assert.ok(
      readSpans.some((span) => span.name.startsWith('db ')),
      'database spans',
    );

    // A write resumes after its body is read: its transaction must still be inside the request's trace.
    const writeSpans = await spansOf(writeTrace, [
      'POST /v1/quotes',
      'authenticate',
      'db scoped transaction',
    ]);
    const writeServer = writeSpans.find((span) => span.name === 'POST /v1/quotes');
    assert.ok(writeServer);
    const transaction = writeSpans.find((span) => span.name === 'db scoped transaction');
    assert.equal(transaction?.parentSpanId, writeServer.spanId);
    assert.ok(
      writeSpans.some((span) => span.parentSpanId === transaction?.spanId),
      'statements inside it',
    );

    assert.equal(
      receiver.spans.filter((span) => span.traceId === probeTrace).length,
      0,
      'probes are not traced',
    );

    const exported = receiver.bodies.join('\n');
    for (const secret of [key, secretOf(key), signature, ADMIN_TOKEN]) {
      assert.ok(!exported.includes(secret), 'no key, secret, signature or token in any exported span');
    }
    assert.ok(!/authorization|x-signature/i.test(exported), 'no credential header is recorded');
  });
});
