// A small ledger service that sits behind Tessera's gateway. It trusts no header but Tessera-Assertion,
// which it verifies against Tessera's JWKS (verify.mjs); it refuses everything else with 401. Writes are
// deduplicated on Idempotency-Key, as Tessera's README asks of every upstream. Prints one JSON line per
// event on stdout ({"url"} once listening, {"event":"transfer.created"} per effect).
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { assertionVerifier } from './verify.mjs';

const env = process.env;
const offsetMs = Number(env.LEDGER_CLOCK_OFFSET_S ?? 0) * 1000; // for tests: this service's clock, shifted
const writeDelayMs = Number(env.LEDGER_WRITE_DELAY_MS ?? 0); // for tests: a slow write
const verify = assertionVerifier({
  jwksUrl: env.TESSERA_JWKS_URL ?? 'http://127.0.0.1:8080/.well-known/jwks.json',
  issuer: env.TESSERA_ISSUER ?? 'http://127.0.0.1:8080',
  audience: env.LEDGER_AUDIENCE ?? 'ledger',
  now: () => Date.now() + offsetMs,
});

const transfers = new Map(); // Idempotency-Key -> Promise of the stored answer
let transferCount = 0;
const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function handle(request, response) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  const verdict = await verify(request, body);
  if (!verdict.ok) return send(response, 401, { error: 'unauthorized', reason: verdict.reason });
  const claims = verdict.claims;
  const url = new URL(request.url, 'http://ledger.invalid');

  if (url.pathname === '/v1/echo') {
    return send(response, 200, { method: request.method, url: request.url, headers: request.headers, claims, body: body.toString('base64') });
  }
  const account = url.pathname.match(/^\/v1\/accounts\/([A-Za-z0-9_-]+)$/);
  if (account && (request.method === 'GET' || request.method === 'HEAD')) {
    response.setHeader('x-ledger-version', '7');
    response.setHeader('cache-control', 'private, max-age=5');
    response.setHeader('etag', `"acct-${account[1]}"`);
    return send(response, 200, { id: account[1], owner: claims.sub, balance: { amount: 125000, currency: 'EUR' } });
  }
  if (url.pathname === '/v1/statements/big' && request.method === 'GET') return streamBig(response, url);
  if (url.pathname === '/v1/transfers' && request.method === 'POST') return transfer(request, response, body, claims);
  return send(response, 404, { error: 'not_found' });
}

/** Exactly one transfer per Idempotency-Key: a retry, even concurrent, gets the first attempt's answer. */
async function transfer(request, response, body, claims) {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string') return send(response, 400, { error: 'idempotency_key_required' });
  if (!transfers.has(key)) {
    transfers.set(key, (async () => {
      say({ event: 'transfer.received', idempotency_key: key });
      if (writeDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, writeDelayMs));
      transferCount += 1;
      say({ event: 'transfer.created', idempotency_key: key, count: transferCount });
      return { status: 201, body: { id: `trf_${transferCount}`, partner: claims.sub, request: JSON.parse(body.toString('utf8') || '{}') } };
    })());
  }
  const stored = await transfers.get(key);
  response.setHeader('location', `/v1/transfers/${stored.body.id}`);
  return send(response, stored.status, stored.body);
}

/** A large download, produced chunk by chunk: ?mb=N megabytes of a repeating pattern. */
function streamBig(response, url) {
  const total = Math.min(Number(url.searchParams.get('mb') ?? 1), 1024) * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 'tessera-');
  response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
      sent += piece.length;
      if (!response.write(piece)) return response.once('drain', pump);
    }
    response.end();
    say({ event: 'statement.sent', bytes: sent });
  };
  pump();
}

function send(response, status, value) {
  const text = JSON.stringify(value);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

const onRequest = (request, response) => handle(request, response).catch(() => send(response, 500, { error: 'internal' }));
const server = env.LEDGER_TLS_CERT
  ? createHttpsServer(
      {
        cert: readFileSync(env.LEDGER_TLS_CERT),
        key: readFileSync(env.LEDGER_TLS_KEY),
        ca: env.LEDGER_TLS_CA ? readFileSync(env.LEDGER_TLS_CA) : undefined,
        requestCert: Boolean(env.LEDGER_TLS_CA), // mTLS: only clients with a certificate from this CA
        rejectUnauthorized: Boolean(env.LEDGER_TLS_CA),
      },
      onRequest,
    )
  : createHttpServer(onRequest);
server.listen(Number(env.PORT ?? 9000), env.HOST ?? '127.0.0.1', () => {
  const { port } = server.address();
  say({ url: `${env.LEDGER_TLS_CERT ? 'https' : 'http'}://127.0.0.1:${port}` });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
