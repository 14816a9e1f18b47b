// A Tessera node inside the benchmark process, configured like `tessera serve` on loopback, except that
// request logging is silenced (the same on both sides of every comparison) and the per-key rate limit is
// raised so that the limiter counts every request but never refuses one of the benchmark's. Like a
// PostgreSQL node in production, it signs with a key file (TESSERA_AUDIT_SIGNING_KEY_FILE), one per
// benchmark process, rather than generating a key into ./.tessera.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Actor } from '../../src/actor.ts';
import { createTessera, type Tessera, type TesseraOptions } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { randomToken } from '../../src/crypto.ts';
import type { Database, Environment } from '../../src/db/database.ts';
import type { VerifiedKey } from '../../src/keys/key-cache.ts';
import { ALL_SCOPES } from '../../src/keys/scopes.ts';
import { createKey } from '../../src/keys/store.ts';
import { createLogger } from '../../src/log.ts';
import { createPartner } from '../../src/partners/store.ts';

export type BenchmarkOverrides = NonNullable<TesseraOptions['benchmarkOverrides']>;

export interface BenchNode {
  tessera: Tessera;
  url: string;
  close(): Promise<void>;
}

let keyFile: string | undefined;

/** The audit signing key (Ed25519, PKCS#8 PEM) of every node of this process; removed when it exits. */
function auditSigningKeyFile(): string {
  if (keyFile) return keyFile;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-key-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'audit-signing-key.pem');
  writeFileSync(file, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  keyFile = file;
  return file;
}

/** `settings`: further environment variables for the node's config (e.g. TESSERA_AUDIT_SEAL_INTERVAL_MS). */
export async function startNode(
  db: Database,
  benchmarkOverrides?: BenchmarkOverrides,
  settings: Record<string, string> = {},
): Promise<BenchNode> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    TESSERA_ADMIN_TOKEN: randomToken(),
    TESSERA_LOG_LEVEL: 'silent',
    TESSERA_RATE_LIMIT_PER_MINUTE: '10000000',
    TESSERA_AUDIT_SIGNING_KEY_FILE: auditSigningKeyFile(),
    ...settings,
  });
  const tessera = await createTessera(config, {
    db,
    logger: createLogger('silent'),
    ...(benchmarkOverrides ? { benchmarkOverrides } : {}),
  });
  const url = await tessera.listen();
  return { tessera, url, close: () => tessera.close() };
}

export interface BenchKey {
  /** The full `sk_test_…` key, as a partner would hold it. */
  key: string;
  secret: string;
  verified: VerifiedKey;
}

const actor = new Actor('system', 'bench');

export async function seedPartner(db: Database, name: string): Promise<{ id: string; name: string }> {
  const partner = await createPartner(db, actor, { name });
  return { id: partner.id, name: partner.name };
}

export async function seedKey(
  db: Database,
  partner: { id: string; name: string },
  environment: Environment = 'test',
): Promise<BenchKey> {
  const issued = await createKey(db, actor, {
    partnerId: partner.id,
    environment,
    name: 'bench',
    scopes: ALL_SCOPES,
    expiresAt: null,
  });
  const record = issued.record;
  return {
    key: issued.key,
    secret: issued.key.split('_')[3] ?? '',
    verified: {
      id: record.id,
      partnerId: record.partner_id,
      partnerName: partner.name,
      environment: record.environment,
      prefix: record.prefix,
      scopes: record.scopes,
      expiresAt: record.expires_at,
      rateLimitPerMinute: null,
      partnerSuspended: false,
    },
  };
}
