// DATABASE_URL with sslmode=verify-full and a CA file, against a private PostgreSQL cluster of the test's
// own that serves TLS with a test CA and refuses plain TCP (the shared server is never reconfigured).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTessera } from '../../src/app.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { createLogger } from '../../src/log.ts';
import { send } from '../support/client.ts';
import { testConfig } from '../support/harness.ts';
import { auditSigningKeyFile } from '../support/node-process.ts';
import { type PrivatePostgres, postgresBinaries, startPrivatePostgres } from '../support/private-postgres.ts';

/** A test CA and a server certificate it signs for 127.0.0.1, plus an unrelated CA. */
function makeCertificates(dir: string) {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ca = (name: string) =>
    openssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
    );
  ca('test-ca');
  ca('other-ca');
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'test-ca.crt',
    '-CAkey',
    'test-ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'san.ext',
    '-out',
    'server.crt',
  );
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  return {
    cert: read('server.crt'),
    key: read('server.key'),
    ca: join(dir, 'test-ca.crt'),
    otherCa: join(dir, 'other-ca.crt'),
  };
}

describe('PostgreSQL over TLS with sslmode=verify-full', {
  skip: !postgresBinaries() && 'needs PostgreSQL binaries',
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pg-tls-'));
  let certificates: ReturnType<typeof makeCertificates>;
  let postgres: PrivatePostgres;
  let base: URL;
  before(async () => {
    certificates = makeCertificates(dir);
    postgres = await startPrivatePostgres({ tls: certificates });
    base = new URL(postgres.url);
  });
  after(() => {
    postgres?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  const urlWith = (params: Record<string, string>) => {
    const url = new URL(base);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url.toString();
  };

  test('Tessera runs on it: migrations, the change feed and requests, all over a verified TLS connection', async () => {
    const url = urlWith({ sslmode: 'verify-full', sslrootcert: certificates.ca });
    const tessera = await createTessera(
      testConfig({ DATABASE_URL: url, TESSERA_AUDIT_SIGNING_KEY_FILE: auditSigningKeyFile() }),
      {
        logger: createLogger('silent'),
      },
    );
    try {
      const [row] = await tessera.db.query<{ ssl: boolean; version: string }>(
        'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
      );
      assert.equal(row?.ssl, true);
      assert.match(row?.version ?? '', /^TLSv1\.[23]$/);
      const baseUrl = await tessera.listen();
      const ready = await send(baseUrl, '/readyz');
      assert.deepEqual(ready.body, { status: 'ready', failing: [] }, 'the change feed listens over TLS too');
    } finally {
      await tessera.close();
    }
  });

  test('a server certificate from another CA is refused', async () => {
    const db = await openPostgres(urlWith({ sslmode: 'verify-full', sslrootcert: certificates.otherCa }));
    try {
      await assert.rejects(db.query('SELECT 1'), /certificate/i);
    } finally {
      await db.close();
    }
  });

  test('the server accepts no plain TCP connection, so nothing falls back to cleartext', async () => {
    const db = await openPostgres(urlWith({ sslmode: 'disable' }));
    try {
      await assert.rejects(db.query('SELECT 1'), /no pg_hba\.conf entry|SSL off|encryption/);
    } finally {
      await db.close();
    }
  });
});
