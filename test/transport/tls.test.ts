import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect } from 'node:tls';
import { createTessera, type Tessera } from '../../src/app.ts';
import { ConfigError } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { testConfig } from '../support/harness.ts';

function selfSignedCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

function handshake(port: number, ca: Buffer, version: 'TLSv1.2' | 'TLSv1.3'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, minVersion: version, maxVersion: version }, () => {
      const protocol = socket.getProtocol() ?? '';
      socket.end();
      resolve(protocol);
    });
    socket.on('error', reject);
  });
}

function httpsGet(url: string, ca: Buffer): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    })
      .on('error', reject)
      .end();
  });
}

describe('transport security', () => {
  let dir: string;
  let files: { cert: string; key: string };
  let database: TestDatabase;
  const started: Tessera[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-tls-'));
    files = selfSignedCertificate(dir);
    database = await createTestDatabase('pglite');
  });
  after(async () => {
    for (const tessera of started) await tessera.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(env: Record<string, string>) {
    const tessera = await createTessera(testConfig(env), { db: database.db, logger: createLogger('silent') });
    started.push(tessera);
    const url = await tessera.listen();
    return { url, port: Number(new URL(url).port) };
  }

  test('TLS 1.3 is the minimum: a TLS 1.2-only client is refused, and HSTS is sent', async () => {
    const { url, port } = await serve({ TESSERA_TLS_CERT: files.cert, TESSERA_TLS_KEY: files.key });
    const ca = readFileSync(files.cert);
    assert.equal(await handshake(port, ca, 'TLSv1.3'), 'TLSv1.3');
    await assert.rejects(handshake(port, ca, 'TLSv1.2'));
    const reply = await httpsGet(`${url}/v1/me`, ca);
    assert.equal(reply.status, 401);
    assert.equal(reply.headers['strict-transport-security'], 'max-age=63072000; includeSubDomains; preload');
  });

  test('an option allows TLS 1.2 as the minimum', async () => {
    const { port } = await serve({
      TESSERA_TLS_CERT: files.cert,
      TESSERA_TLS_KEY: files.key,
      TESSERA_TLS_MIN_VERSION: 'TLSv1.2',
    });
    assert.equal(await handshake(port, readFileSync(files.cert), 'TLSv1.2'), 'TLSv1.2');
  });

  test('plain HTTP on a non-loopback address without trusted proxies refuses to start', async () => {
    await assert.rejects(
      createTessera(testConfig({ HOST: '0.0.0.0' }), { db: database.db, logger: createLogger('silent') }),
      (error: unknown) => error instanceof ConfigError && /Refusing to serve plain HTTP/.test(error.message),
    );
  });

  test('behind a trusted proxy, only requests it reports as HTTPS are served', async () => {
    const tessera = await createTessera(
      testConfig({ HOST: '0.0.0.0', TESSERA_TRUSTED_PROXIES: '127.0.0.1/32' }),
      {
        db: database.db,
        logger: createLogger('silent'),
      },
    );
    started.push(tessera);
    const url = (await tessera.listen()).replace('0.0.0.0', '127.0.0.1');
    const plain = await fetch(`${url}/v1/me`);
    assert.equal(plain.status, 403);
    assert.equal(((await plain.json()) as { code: string }).code, 'transport.https_required');
    const forwarded = await fetch(`${url}/v1/me`, { headers: { 'x-forwarded-proto': 'https' } });
    assert.equal(forwarded.status, 401, 'reaches authentication');
    assert.equal(
      forwarded.headers.get('strict-transport-security'),
      'max-age=63072000; includeSubDomains; preload',
    );
  });
});
