// What the gateway does when the upstream misbehaves: down (502 upstream.unavailable), slow or stalled after
// its headers (504 upstream.timeout at the configured timeout, the write's key left free), failing (its 500 passed through, the key left free for the
// retry), busy with the same key (409 idempotency.key.in_progress); and mTLS to an upstream with a test CA.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Reply } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { freePort } from '../support/ports.ts';
import { type GatewayFiles, gatewayFiles, ISSUER, type Ledger, startLedger } from './support.ts';

const TIMEOUT_MS = 400;

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<[Server, string]> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return [server, `http://127.0.0.1:${port}`];
}

function route(path: string, methods: string, upstream: string): string {
  return `  - { path: ${path}, methods: [${methods}], upstream: ${upstream}, scope: "faults:call" }\n`;
}

for (const target of databaseTargets()) {
  describe(`gateway faults (${target})`, () => {
    let h: Harness;
    let files: GatewayFiles;
    const servers: Server[] = [];
    const flakyCalls: Array<string | undefined> = [];
    let releaseSlow: () => void = () => {};
    const stalled: ServerResponse[] = [];
    const stallCalls: Array<string | undefined> = [];

    before(async () => {
      const [slow, slowUrl] = await listen((_req, res) => {
        releaseSlow = () => res.end('late');
      });
      const [flaky, flakyUrl] = await listen((req, res) => {
        req.resume();
        flakyCalls.push(req.headers['idempotency-key'] as string | undefined);
        const failing = flakyCalls.length === 1;
        res.writeHead(failing ? 500 : 201, { 'content-type': 'application/json', 'x-upstream': 'flaky' });
        res.end(failing ? '{"error":"database is down"}' : '{"id":"trf_1"}');
      });
      // Stalls the first time it sees an Idempotency-Key (or on every read): after its headers
      // (`headers`), after its headers and part of the body (`partial`), or before anything (`silent`);
      // or hangs up just after its headers (`hangup`).
      // The retry of a write is answered at once.
      const [stall, stallUrl] = await listen((req, res) => {
        req.resume();
        const key = req.headers['idempotency-key'] as string | undefined;
        const retried = key !== undefined && stallCalls.includes(key);
        stallCalls.push(key);
        if (retried) {
          res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"trf_2"}');
          return;
        }
        stalled.push(res);
        const mode = req.url?.split('/').pop();
        if (mode === 'silent') return;
        if (mode?.startsWith('declared-')) {
          // A small body, declared by Content-Length: Tessera reads it whole before answering.
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '40' });
          res.write('{"id":"acc_');
          if (mode === 'declared-hangup') setTimeout(() => res.socket?.destroy(), 50);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        if (mode === 'partial') res.write('{"id":"acc_');
        else res.flushHeaders();
        if (mode === 'hangup') setTimeout(() => res.socket?.destroy(), 50);
      });
      servers.push(slow, flaky, stall);
      const downUrl = `http://127.0.0.1:${await freePort()}`;
      files = gatewayFiles(
        `upstreams:
  down: { url: "${downUrl}" }
  slow: { url: "${slowUrl}", timeout_ms: ${TIMEOUT_MS} }
  flaky: { url: "${flakyUrl}" }
  stall: { url: "${stallUrl}", timeout_ms: ${TIMEOUT_MS} }
routes:
${route('/v1/down', 'GET, POST', 'down')}${route('/v1/slow', 'GET, POST', 'slow')}${route('/v1/flaky', 'POST', 'flaky')}${route('/v1/stall/:mode', 'GET, POST', 'stall')}`,
      );
      h = await startHarness(target, {
        env: {
          TESSERA_GATEWAY_CONFIG: files.configFile,
          TESSERA_GATEWAY_SIGNING_KEY_FILE: files.signingKeyFile,
          TESSERA_PUBLIC_URL: ISSUER,
        },
      });
    });
    after(async () => {
      releaseSlow();
      for (const res of stalled) res.destroy();
      await h?.close();
      for (const server of servers) server.close();
      files?.remove();
    });

    test('an upstream that refuses connections is 502 upstream.unavailable, for reads and writes', async () => {
      const read = await h.a.test.get('/v1/down');
      assert.equal(read.status, 502);
      assert.equal(read.body.code, 'upstream.unavailable');
      const idempotencyKey = randomUUID();
      const write = await h.a.test.post('/v1/down', { a: 1 }, { idempotencyKey });
      assert.equal(write.body.code, 'upstream.unavailable');
      assert.equal(await claimCount(h, idempotencyKey), 0, 'the key is left free');
      await h.tessera.auditWriter.drain();
      const [event] = await h.tessera.db.query<{ error_code: string; detail: Record<string, unknown> }>(
        'SELECT error_code, detail FROM audit_events WHERE request_id = $1',
        [write.headers.get('x-request-id')],
      );
      assert.equal(event?.error_code, 'upstream.unavailable');
      assert.equal(event?.detail.upstream, 'down');
    });

    test('a slow upstream is 504 upstream.timeout at its timeout', async () => {
      await answeredAtTimeout(() => h.a.test.get('/v1/slow'));
    });

    test('an upstream that sends its headers and then stalls is 504 upstream.timeout for a read', async () => {
      await answeredAtTimeout(() => h.a.test.get('/v1/stall/headers'));
    });

    test('an upstream that hangs up after its headers is 502 upstream.unavailable, at once', async () => {
      await unavailableAtOnce(() => h.a.test.get('/v1/stall/hangup'));
    });

    test('a read that declares a small body and stalls partway is 504 upstream.timeout, not a cut-off 200', async () => {
      const reply = await answeredAtTimeout(() => h.a.test.get('/v1/stall/declared-partial'));
      await h.tessera.auditWriter.drain();
      const [event] = await h.tessera.db.query<{ status: number; detail: Record<string, unknown> }>(
        'SELECT status, detail FROM audit_events WHERE request_id = $1',
        [reply.headers.get('x-request-id')],
      );
      assert.equal(event?.status, 504);
      assert.deepEqual(
        [event?.detail.upstream_status, event?.detail.upstream_error],
        [200, 'timeout'],
        'the log says the upstream began a 200 and what became of it',
      );
      const latency = Number(event?.detail.upstream_latency_ms);
      assert.ok(latency >= TIMEOUT_MS - 1, `the whole exchange's duration is logged (${latency} ms)`);
    });

    test('a read that declares a small body and hangs up partway is 502 upstream.unavailable, at once', async () => {
      await unavailableAtOnce(() => h.a.test.get('/v1/stall/declared-hangup'));
    });

    test('a read whose body stalls after it began streaming is cut at the timeout, not left hanging', async () => {
      const started = performance.now();
      const response = await fetch(`${h.baseUrl}/v1/stall/partial`, {
        headers: { authorization: `Bearer ${h.a.test.key}` },
      });
      assert.equal(response.status, 200, 'the status was already on its way to the partner');
      await assert.rejects(response.text(), 'the body ends in an error, not as a complete document');
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= TIMEOUT_MS && elapsed < TIMEOUT_MS + 2_000, `cut after ${Math.round(elapsed)} ms`);
    });

    for (const [mode, what] of [
      ['headers', 'sends its headers and then stalls'],
      ['silent', 'never answers'],
    ] as const) {
      test(`a write whose upstream ${what} is 504 upstream.timeout; the key is left free and the retry forwarded`, async () => {
        const idempotencyKey = randomUUID();
        const path = `/v1/stall/${mode}`;
        const first = await answeredAtTimeout(() => h.a.test.post(path, { amount: 7 }, { idempotencyKey }));
        assert.equal(await claimCount(h, idempotencyKey), 0, 'the key is left free');
        await h.tessera.auditWriter.drain();
        const [event] = await h.tessera.db.query<{ status: number; error_code: string }>(
          'SELECT status, error_code FROM audit_events WHERE request_id = $1',
          [first.headers.get('x-request-id')],
        );
        assert.equal(event?.status, 504);
        assert.equal(event?.error_code, 'upstream.timeout');

        const retry = await h.a.test.post(
          path,
          { amount: 7 },
          { idempotencyKey, timestamp: Math.floor(Date.now() / 1000) + 1 },
        );
        assert.equal(retry.status, 201, retry.text);
        assert.equal(retry.body.id, 'trf_2');
        assert.equal(retry.headers.get('idempotent-replayed'), null, 'forwarded, not replayed');
        assert.deepEqual(
          stallCalls.filter((key) => key === idempotencyKey),
          [idempotencyKey, idempotencyKey],
          'the upstream got both attempts, with the same key',
        );
      });
    }

    test('a duplicate of a write still in flight gets 409; after a timeout the key is free again', async () => {
      const idempotencyKey = randomUUID();
      const options = { idempotencyKey, timestamp: Math.floor(Date.now() / 1000) };
      const first = h.a.test.post('/v1/slow', { a: 1 }, options);
      await waitUntil(async () => (await claimCount(h, idempotencyKey)) === 1);
      const duplicate = await h.a.test.post('/v1/slow', { a: 1 }, options);
      assert.equal(duplicate.status, 409);
      assert.equal(duplicate.body.code, 'idempotency.key.in_progress');
      assert.equal((await first).body.code, 'upstream.timeout');
      assert.equal(await claimCount(h, idempotencyKey), 0);
    });

    test('an upstream 500 is passed through and the key left free, so the retry is forwarded again', async () => {
      const idempotencyKey = randomUUID();
      const first = await h.a.test.post('/v1/flaky', { amount: 5 }, { idempotencyKey });
      assert.equal(first.status, 500);
      assert.equal(first.text, '{"error":"database is down"}');
      assert.equal(first.headers.get('x-upstream'), 'flaky');
      const retry = await h.a.test.post(
        '/v1/flaky',
        { amount: 5 },
        {
          idempotencyKey,
          timestamp: Math.floor(Date.now() / 1000) + 1,
        },
      );
      assert.equal(retry.status, 201);
      assert.equal(retry.headers.get('idempotent-replayed'), null, 'forwarded, not replayed');
      assert.deepEqual(flakyCalls, [idempotencyKey, idempotencyKey], 'both attempts carried the same key');
    });
  });
}

describe('gateway to an upstream over mTLS', () => {
  let h: Harness;
  let files: GatewayFiles;
  let ledger: Ledger;

  before(async () => {
    const port = await freePort();
    files = gatewayFiles('');
    makeTestPki(files.dir);
    const file = (name: string) => join(files.dir, name);
    writeFileSync(
      files.configFile,
      `upstreams:
  ledger:
    url: https://127.0.0.1:${port}
    tls: { ca: ca.pem, cert: client.pem, key: client.key }
  anonymous:
    url: https://127.0.0.1:${port}
    tls: { ca: ca.pem }
routes:
  - { path: /v1/accounts/:id, methods: [GET], upstream: ledger, scope: accounts:read }
  - { path: /v1/anonymous/accounts/:id, methods: [GET], upstream: anonymous, scope: accounts:read }
`,
    );
    h = await startHarness('pglite', {
      env: {
        TESSERA_GATEWAY_CONFIG: files.configFile,
        TESSERA_GATEWAY_SIGNING_KEY_FILE: files.signingKeyFile,
        TESSERA_PUBLIC_URL: ISSUER,
      },
    });
    ledger = await startLedger({
      PORT: String(port),
      TESSERA_JWKS_URL: `${h.baseUrl}/.well-known/jwks.json`,
      TESSERA_ISSUER: ISSUER,
      LEDGER_TLS_CERT: file('server.pem'),
      LEDGER_TLS_KEY: file('server.key'),
      LEDGER_TLS_CA: file('ca.pem'),
    });
  });
  after(async () => {
    await ledger?.stop();
    await h?.close();
    files?.remove();
  });

  test('Tessera presents its client certificate and checks the upstream against the test CA', async () => {
    const reply = await h.a.test.get('/v1/accounts/acc_tls');
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.body.id, 'acc_tls');
  });

  test('without a client certificate the upstream refuses the handshake: 502 upstream.unavailable', async () => {
    const reply = await h.a.test.get('/v1/anonymous/accounts/acc_tls');
    assert.equal(reply.status, 502);
    assert.equal(reply.body.code, 'upstream.unavailable');
  });
});

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl for this test. */
function makeTestPki(dir: string): void {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=Tessera test CA',
  );
  for (const [name, extension] of [
    ['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'],
    ['client', 'extendedKeyUsage=clientAuth\n'],
  ] as const) {
    writeFileSync(join(dir, `${name}.ext`), extension);
    run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  }
}

/** Sends `request` and checks it is answered 504 upstream.timeout at the upstream's timeout, not before. */
async function answeredAtTimeout(request: () => Promise<Reply>): Promise<Reply> {
  const started = performance.now();
  const reply = await request();
  const elapsed = performance.now() - started;
  assert.equal(reply.status, 504);
  assert.equal(reply.body.code, 'upstream.timeout');
  assert.ok(
    elapsed >= TIMEOUT_MS && elapsed < TIMEOUT_MS + 2_000,
    `answered after ${Math.round(elapsed)} ms`,
  );
  return reply;
}

/** 502 upstream.unavailable, answered at once rather than held until the upstream's timeout. */
async function unavailableAtOnce(request: () => Promise<Reply>): Promise<Reply> {
  const started = performance.now();
  const reply = await request();
  assert.equal(reply.status, 502);
  assert.equal(reply.body.code, 'upstream.unavailable');
  assert.ok(performance.now() - started < TIMEOUT_MS, 'not held until the timeout');
  return reply;
}

async function claimCount(h: Harness, idempotencyKey: string): Promise<number> {
  const [row] = await h.tessera.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM gateway_idempotency WHERE idempotency_key = $1',
    [idempotencyKey],
  );
  return row?.n ?? 0;
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
