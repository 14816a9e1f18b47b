// The test harness: a running Tessera on a fresh database, seeded with two partners (A and B), each with a
// test and a live key, and an admin client. Every test file starts its own and closes it when done.
import type { Logger } from 'pino';
import type { Tessera } from '../../src/app.ts';
import { createTessera } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import type { Argon2Cost } from '../../src/keys/argon2.ts';
import { createLogger } from '../../src/log.ts';
import { PartnerClient, type Reply, send } from './client.ts';
import { createTestDatabase, type DatabaseTarget, type TestDatabase } from './database.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/**
 * The Argon2id cost harness servers hash new keys with: still Argon2id, at 1 MiB and one pass instead of
 * 64 MiB and three (about 1 ms instead of 100), since the suite issues keys by the thousand. Tests of the
 * cost itself (test/keys/timing.test.ts) start theirs with ARGON2_COST.
 */
export const TEST_ARGON2_COST: Argon2Cost = Object.freeze({ memoryKib: 1024, passes: 1 });

export interface SeededPartner {
  id: string;
  name: string;
  keys: { test: IssuedTestKey; live: IssuedTestKey };
  test: PartnerClient;
  live: PartnerClient;
}

export interface IssuedTestKey {
  id: string;
  prefix: string;
  key: string;
}

export interface Harness {
  tessera: Tessera;
  baseUrl: string;
  database: TestDatabase;
  a: SeededPartner;
  b: SeededPartner;
  /** The server's clock; clients made with it sign at the server's time. */
  now: () => number;
  admin(method: string, path: string, body?: unknown): Promise<Reply>;
  createKey(
    partnerId: string,
    environment: 'test' | 'live',
    extra?: Record<string, unknown>,
  ): Promise<IssuedTestKey>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  now?: () => number;
  database?: TestDatabase;
  /** Where the server logs (silent by default). */
  logger?: Logger;
  /** What new keys are hashed with (TEST_ARGON2_COST by default). */
  argon2Cost?: Argon2Cost;
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    TESSERA_ADMIN_TOKEN: ADMIN_TOKEN,
    TESSERA_LOG_LEVEL: 'silent',
    ...env,
  });
}

export async function startHarness(target: DatabaseTarget, options: HarnessOptions = {}): Promise<Harness> {
  const database = options.database ?? (await createTestDatabase(target));
  const config = testConfig(options.env);
  const now = options.now ?? Date.now;
  const tessera = await createTessera(config, {
    db: database.db,
    logger: options.logger ?? createLogger('silent'),
    now,
    argon2Cost: options.argon2Cost ?? TEST_ARGON2_COST,
  });
  const baseUrl = await tessera.listen();

  const admin = (method: string, path: string, body?: unknown) =>
    send(baseUrl, path, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  const createKey = async (
    partnerId: string,
    environment: 'test' | 'live',
    extra: Record<string, unknown> = {},
  ) => {
    const reply = await admin('POST', `/admin/v1/partners/${partnerId}/keys`, { environment, ...extra });
    if (reply.status !== 201) throw new Error(`key creation failed: ${reply.text}`);
    return { id: String(reply.body.id), prefix: String(reply.body.prefix), key: String(reply.body.key) };
  };

  const seedPartner = async (name: string): Promise<SeededPartner> => {
    const reply = await admin('POST', '/admin/v1/partners', { name });
    if (reply.status !== 201) throw new Error(`partner creation failed: ${reply.text}`);
    const id = String(reply.body.id);
    const [test, live] = await Promise.all([createKey(id, 'test'), createKey(id, 'live')]);
    return {
      id,
      name,
      keys: { test, live },
      test: new PartnerClient(baseUrl, test.key, now),
      live: new PartnerClient(baseUrl, live.key, now),
    };
  };

  const a = await seedPartner('Partner A Bank');
  const b = await seedPartner('Partner B Insurance');
  return {
    tessera,
    baseUrl,
    database,
    a,
    b,
    now,
    admin,
    createKey,
    async close() {
      await tessera.close();
      if (!options.database) await database.drop();
    },
  };
}
