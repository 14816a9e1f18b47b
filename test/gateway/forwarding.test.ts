// End to end through the gateway, with the example upstream (examples/ledger-upstream) as a real process:
// reads pass through byte for byte, signed writes are forwarded once and replayed, the upstream sees a
// valid assertion and digest and none of the partner's credentials, and the example refuses an assertion
// that has expired, names another audience, or belongs to another body.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, importPKCS8, jwtVerify, SignJWT } from 'jose';
import { cliRunner, jsonOf } from '../cli/run-cli.ts';
import { PartnerClient, send } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from '../support/harness.ts';
import { freePort } from '../support/ports.ts';
import {
  type GatewayFiles,
  gatewayFiles,
  ISSUER,
  type Ledger,
  ledgerConfig,
  startLedger,
} from './support.ts';

const OPENAPI = fileURLToPath(new URL('../../examples/ledger-upstream/openapi.yaml', import.meta.url));

for (const target of databaseTargets()) {
  describe(`gateway forwarding (${target})`, () => {
    let h: Harness;
    let files: GatewayFiles;
    let ledger: Ledger;
    let partner: PartnerClient;

    before(async () => {
      const port = await freePort();
      files = gatewayFiles(ledgerConfig(`http://127.0.0.1:${port}`, `    openapi: ${OPENAPI}\n`));
      h = await startHarness(target, {
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
      });
      partner = h.a.test;
    });
    after(async () => {
      await ledger?.stop();
      await h?.close();
      files?.remove();
    });

    /** What the upstream answers when asked directly, with an assertion the test signs with Tessera's key. */
    async function askLedgerDirectly(path: string) {
      const key = await importPKCS8(readFileSync(files.signingKeyFile, 'utf8'), 'EdDSA');
      const jwks = (await send(h.baseUrl, '/.well-known/jwks.json')).body as { keys: Array<{ kid: string }> };
      const assertion = await new SignJWT({ htm: 'GET', htu: path })
        .setProtectedHeader({ alg: 'EdDSA', kid: jwks.keys[0]?.kid ?? '' })
        .setIssuer(ISSUER)
        .setAudience('ledger')
        .setSubject(h.a.id)
        .setJti('direct')
        .setIssuedAt()
        .setExpirationTime('60s')
        .sign(key);
      return fetch(`${ledger.url}${path}`, { headers: { 'tessera-assertion': assertion } });
    }

    test('a read comes back byte for byte: status, headers and body', async () => {
      const path = '/v1/accounts/acc_42';
      const direct = await askLedgerDirectly(path);
      const through = await fetch(`${h.baseUrl}${path}`, {
        headers: { authorization: `Bearer ${partner.key}` },
      });
      assert.equal(through.status, direct.status);
      const directBody = Buffer.from(await direct.arrayBuffer());
      assert.deepEqual(Buffer.from(await through.arrayBuffer()), directBody);
      for (const [name, value] of direct.headers) {
        if (['date', 'connection', 'keep-alive'].includes(name)) continue;
        assert.equal(through.headers.get(name), value, `header ${name} passes through unchanged`);
      }
      assert.match(through.headers.get('x-request-id') ?? '', /^req_/);
      assert.equal(through.headers.get('x-content-type-options'), 'nosniff');
    });

    test('the path and query reach the upstream exactly as sent, without re-encoding', async () => {
      const path = '/v1/echo?b=2&a=%2f%7E&a=1&empty=&sp=a+b';
      const reply = await partner.get(path);
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.body.url, path);
    });

    test('a request that expects 100-continue is forwarded without the expectation', async () => {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const headers = { authorization: `Bearer ${partner.key}`, expect: '100-continue' };
        const request = httpRequest(`${h.baseUrl}/v1/echo`, { headers }, (response) => {
          let text = '';
          response.setEncoding('utf8').on('data', (chunk: string) => {
            text += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        });
        request.on('error', reject);
        request.end();
      });
      assert.equal(status, 200, body);
      const seen = (JSON.parse(body) as { headers: Record<string, string> }).headers;
      assert.equal(seen.expect, undefined);
    });

    test('the upstream sees a valid assertion and digest, and never the partner credentials', async () => {
      const body = '{"amount": 10,  "note":"spacing kept"}';
      const reply = await partner.write('PUT', '/v1/echo?x=1', body, {
        headers: {
          cookie: 'session=secret',
          'x-forwarded-for': '203.0.113.9',
          'tessera-assertion': 'forged',
        },
      });
      assert.equal(reply.status, 200, reply.text);
      const seen = reply.body.headers as Record<string, string>;
      for (const name of ['authorization', 'x-signature', 'x-timestamp', 'cookie']) {
        assert.equal(seen[name], undefined, `${name} is not forwarded`);
      }
      assert.equal(
        Buffer.from(String(reply.body.body), 'base64').toString('utf8'),
        body,
        'body bytes as sent',
      );
      const digest = `sha-256=:${await sha256Base64(body)}:`;
      assert.equal(seen['content-digest'], digest);
      assert.equal(seen['tessera-request-id'], reply.headers.get('x-request-id'));
      assert.match(seen['idempotency-key'] ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(seen['x-forwarded-for'], '127.0.0.1', 'an untrusted X-Forwarded-For is replaced');

      const jwks = (await send(h.baseUrl, '/.well-known/jwks.json')).body as never;
      const { payload, protectedHeader } = await jwtVerify(
        seen['tessera-assertion'] ?? '',
        createLocalJWKSet(jwks),
        {
          issuer: ISSUER,
          audience: 'ledger',
        },
      );
      assert.equal(protectedHeader.alg, 'EdDSA');
      assert.equal(payload.sub, h.a.id);
      assert.equal(payload.tessera_environment, 'test');
      assert.equal(payload.tessera_key, h.a.keys.test.id);
      assert.ok(String(payload.scope).split(' ').includes('accounts:read'));
      assert.equal(payload.jti, reply.headers.get('x-request-id'));
      assert.ok((payload.exp ?? 0) - (payload.iat ?? 0) <= 60);
      assert.equal(payload.htm, 'PUT');
      assert.equal(payload.htu, '/v1/echo?x=1');
      assert.equal(payload.content_digest, digest);
    });

    test('any content type is forwarded as the signed bytes', async () => {
      const csv = 'id,amount\r\n1,10\r\n2,\u00e9\r\n';
      const reply = await partner.write('POST', '/v1/echo', csv, { headers: { 'content-type': 'text/csv' } });
      assert.equal(reply.status, 200, reply.text);
      assert.equal(Buffer.from(String(reply.body.body), 'base64').toString('utf8'), csv);
      assert.equal((reply.body.headers as Record<string, string>)['content-type'], 'text/csv');
    });

    test('the example refuses a captured assertion with another body, audience, or after expiry', async () => {
      const body = '{"amount":10}';
      const reply = await partner.write('POST', '/v1/echo', body);
      const seen = reply.body.headers as Record<string, string>;
      const replay = (url: string, sentBody: string) =>
        fetch(`${url}/v1/echo`, {
          method: 'POST',
          headers: {
            'tessera-assertion': seen['tessera-assertion'] ?? '',
            'content-digest': seen['content-digest'] ?? '',
            'content-type': 'application/json',
          },
          body: sentBody,
        });
      assert.equal((await replay(ledger.url, body)).status, 200, 'control: the untouched request passes');
      const otherBody = await replay(ledger.url, '{"amount":1000}');
      assert.equal(otherBody.status, 401);
      assert.equal(((await otherBody.json()) as { reason: string }).reason, 'another body');

      const jwksUrl = `${h.baseUrl}/.well-known/jwks.json`;
      const payments = await startLedger({
        TESSERA_JWKS_URL: jwksUrl,
        TESSERA_ISSUER: ISSUER,
        LEDGER_AUDIENCE: 'payments',
      });
      const later = await startLedger({
        TESSERA_JWKS_URL: jwksUrl,
        TESSERA_ISSUER: ISSUER,
        LEDGER_CLOCK_OFFSET_S: '61',
      });
      try {
        const otherAudience = await replay(payments.url, body);
        assert.equal(otherAudience.status, 401);
        assert.equal(
          ((await otherAudience.json()) as { reason: string }).reason,
          'ERR_JWT_CLAIM_VALIDATION_FAILED',
        );
        const expired = await replay(later.url, body);
        assert.equal(expired.status, 401);
        assert.equal(((await expired.json()) as { reason: string }).reason, 'ERR_JWT_EXPIRED');
      } finally {
        await payments.stop();
        await later.stop();
      }
    });

    test('a signed write is forwarded once; its retry is replayed; another payload is refused', async () => {
      const idempotencyKey = randomUUID();
      const body = { from: 'acc_1', to: 'acc_2', amount: 500 };
      const first = await partner.post('/v1/transfers', body, { idempotencyKey });
      assert.equal(first.status, 201, first.text);
      assert.match(first.headers.get('location') ?? '', /^\/v1\/transfers\/trf_\d+$/);
      const retry = await partner.post('/v1/transfers', body, {
        idempotencyKey,
        timestamp: Math.floor(Date.now() / 1000) + 1,
      });
      assert.equal(retry.status, 201);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      assert.equal(retry.text, first.text);
      assert.equal(retry.headers.get('location'), first.headers.get('location'));
      const effects = ledger.events.filter(
        (e) => e.event === 'transfer.created' && e.idempotency_key === idempotencyKey,
      );
      assert.equal(effects.length, 1, 'the upstream made one transfer');
      const other = await partner.post('/v1/transfers', { ...body, amount: 501 }, { idempotencyKey });
      assert.equal(other.status, 422);
      assert.equal(other.body.code, 'idempotency.key.conflict');
    });

    test('writes need the signature and the Idempotency-Key, like built-in writes', async () => {
      const unsigned = await partner.post('/v1/transfers', { amount: 1 }, { signature: null });
      assert.equal(unsigned.body.code, 'auth.signature.missing');
      const tampered = await partner.post('/v1/transfers', { amount: 1 }, { sentBody: '{"amount":99}' });
      assert.equal(tampered.body.code, 'auth.signature.invalid');
      const noKey = await partner.post('/v1/transfers', { amount: 1 }, { idempotencyKey: null });
      assert.equal(noKey.body.code, 'idempotency.key.required');
      const anonymous = await send(h.baseUrl, '/v1/accounts/acc_1');
      assert.equal(anonymous.body.code, 'auth.api_key.missing');
    });

    test('the route scope is enforced, and gateway scopes are valid key scopes', async () => {
      const readOnly = await h.createKey(h.a.id, 'test', { scopes: ['accounts:read'] });
      const client = new PartnerClient(h.baseUrl, readOnly.key);
      assert.equal((await client.get('/v1/accounts/acc_1')).status, 200);
      const denied = await client.post('/v1/transfers', { amount: 1 });
      assert.equal(denied.status, 403);
      assert.equal(denied.body.code, 'auth.permission.denied');
      const unknown = await h.admin('POST', `/admin/v1/partners/${h.a.id}/keys`, {
        environment: 'test',
        scopes: ['accounts:delete'],
      });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.code, 'request.invalid');
    });

    test('each gateway request is one audit event naming the upstream, its status and latency', async () => {
      const reply = await partner.get('/v1/accounts/acc_audit');
      const requestId = reply.headers.get('x-request-id');
      await h.tessera.auditWriter.drain();
      const rows = await h.tessera.db.query<{ detail: Record<string, unknown>; status: number }>(
        'SELECT detail, status FROM audit_events WHERE request_id = $1',
        [requestId],
      );
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.status, 200);
      assert.equal(rows[0]?.detail.upstream, 'ledger');
      assert.equal(rows[0]?.detail.upstream_status, 200);
      assert.equal(typeof rows[0]?.detail.upstream_latency_ms, 'number');
    });

    test('metrics, the JWKS, the OpenAPI document and the admin listing describe the gateway', async () => {
      const metrics = await send(h.baseUrl, '/metrics');
      assert.match(
        metrics.text,
        /tessera_gateway_upstream_requests_total\{upstream="ledger",status="200"\} \d+/,
      );
      assert.match(metrics.text, /tessera_gateway_upstream_in_flight\{upstream="ledger"\} 0/);
      const jwks = await send(h.baseUrl, '/.well-known/jwks.json');
      const [jwk] = (jwks.body as unknown as { keys: Array<Record<string, string>> }).keys;
      assert.equal(jwk?.kty, 'OKP');
      assert.equal(jwk?.crv, 'Ed25519');
      assert.equal(jwk?.d, undefined, 'no private part is published');
      const openapi = JSON.parse((await send(h.baseUrl, '/v1/openapi.json')).text) as OpenApi;
      const getAccount = openapi.paths['/v1/accounts/{account_id}']?.get ?? {};
      assert.equal(getAccount.operationId, 'getAccount');
      assert.match(JSON.stringify(getAccount.responses?.['200']), /#\/components\/schemas\/ledger\.Account/);
      assert.ok(openapi.components.schemas['ledger.Account']);
      assert.ok(getAccount.responses?.['401'], 'Tessera errors are added');
      const transfer = openapi.paths['/v1/transfers']?.post;
      assert.equal(transfer?.operationId, 'createTransfer');
      assert.match(JSON.stringify(transfer?.parameters), /Signature/);
      const cli = cliRunner({ TESSERA_URL: h.baseUrl, TESSERA_ADMIN_TOKEN: ADMIN_TOKEN });
      const listing = jsonOf(await cli('gateway', 'routes', '--json'));
      assert.deepEqual(
        (listing.data as Array<{ path: string }>).map((r) => r.path),
        ['/v1/accounts/:account_id', '/v1/statements/big', '/v1/transfers', '/v1/echo'],
      );
    });
  });
}

interface OpenApiOperation {
  operationId?: string;
  parameters?: unknown[];
  responses?: Record<string, unknown>;
}
interface OpenApi {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, unknown> };
}

async function sha256Base64(text: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(text).digest('base64');
}
