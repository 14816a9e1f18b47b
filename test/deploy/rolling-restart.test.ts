// A rolling restart behind a real load balancer: two nodes behind Debian's HAProxy, which routes on
// active /readyz checks. One node gets SIGTERM under steady load, drains, exits 0 and comes back; not one
// request may fail meanwhile.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createPartnerWithKey, quoteParams } from '../faults/support.ts';
import { PartnerClient } from '../support/client.ts';
import { createPostgresDatabase, dropPostgresDatabase } from '../support/database.ts';
import { ADMIN_TOKEN } from '../support/harness.ts';
import { auditSigningKeyFile } from '../support/node-process.ts';
import { freePort } from '../support/ports.ts';
import { type PrivatePostgres, postgresBinaries, startPrivatePostgres } from '../support/private-postgres.ts';

const CLI = fileURLToPath(new URL('../../cli/entry.ts', import.meta.url));
const SHUTDOWN_DELAY_MS = 2_000;
const haproxy = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();

/** `tessera serve` itself (not the test entry), so the real SIGTERM sequence runs. */
async function startServe(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--json'], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      TESSERA_ADMIN_TOKEN: ADMIN_TOKEN,
      TESSERA_LOG_LEVEL: 'warn',
      TESSERA_AUDIT_SIGNING_KEY_FILE: auditSigningKeyFile(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) if (/"url":/.test(line)) return child;
  throw new Error('tessera serve exited before listening');
}

function haproxyConfig(front: number, backends: readonly number[]): string {
  return `global
  maxconn 512
defaults
  mode http
  timeout connect 1s
  timeout client 15s
  timeout server 15s
  retries 3
  option redispatch
  retry-on conn-failure empty-response
frontend api
  bind 127.0.0.1:${front}
  default_backend nodes
backend nodes
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  timeout check 2s
  # A draining node is out after three failed checks (~0.6 s), well within its shutdown delay; a single slow
  # check on a busy machine does not take a healthy node out.
  default-server inter 200ms fall 3 rise 2
  http-response set-header x-served-by %s
${backends.map((port, i) => `  server n${i + 1} 127.0.0.1:${port} check`).join('\n')}
`;
}

const until = async (condition: () => boolean, deadlineMs: number, what: string) => {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe('a rolling restart behind HAProxy', {
  skip:
    (!haproxy && 'needs haproxy (apt-get install haproxy)') ||
    (!postgresBinaries() && !process.env.DATABASE_URL && 'needs PostgreSQL'),
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-haproxy-'));
  let postgres: PrivatePostgres | undefined;
  let databaseUrl = '';
  const ports: number[] = [];
  const nodes: ChildProcess[] = [];
  let balancer: ChildProcess | undefined;
  let front = 0;

  const nodeEnv = (port: number) => ({
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    TESSERA_SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
    TESSERA_SHUTDOWN_TIMEOUT_MS: '5000',
  });

  before(async () => {
    if (process.env.DATABASE_URL) databaseUrl = await createPostgresDatabase();
    else {
      postgres = await startPrivatePostgres();
      databaseUrl = postgres.url;
    }
    ports.push(await freePort(), await freePort());
    front = await freePort();
    // One after the other: the first applies the migrations.
    for (const port of ports) nodes.push(await startServe(nodeEnv(port)));
    writeFileSync(join(dir, 'haproxy.cfg'), haproxyConfig(front, ports));
    balancer = spawn(haproxy ?? 'haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: 'ignore' });
  });
  after(async () => {
    for (const child of [...nodes, balancer]) {
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }
    }
    if (process.env.DATABASE_URL) await dropPostgresDatabase(databaseUrl);
    postgres?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test('SIGTERM on one of two nodes under steady load: zero failed requests, exit 0, and it serves again', async () => {
    const url = `http://127.0.0.1:${front}`;
    const servedBy = new Map<string, number>();
    let phase: 'before' | 'restarting' | 'after' = 'before';
    const count = (name: string) => servedBy.set(name, (servedBy.get(name) ?? 0) + 1);
    // Wait until HAProxy's checks have both nodes up (each needs two passing checks).
    const { key } = await (async () => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          return await createPartnerWithKey(url);
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    })();
    const client = new PartnerClient(url, key);
    const failures: string[] = [];
    let total = 0;
    let day = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const write = day % 2 === 1;
        try {
          const reply = write
            ? await client.post('/v1/quotes', quoteParams(day++))
            : await client.get('/v1/me');
          if (!write) day++;
          total++;
          if (reply.status !== (write ? 201 : 200)) failures.push(`${phase} ${reply.status} ${reply.text}`);
          count(`${phase}:${reply.headers.get('x-served-by')}`);
        } catch (error) {
          total++;
          failures.push(`${phase} network: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    };
    const load = Promise.all([worker(), worker(), worker(), worker()]);

    await until(
      () => (servedBy.get('before:n1') ?? 0) > 5 && (servedBy.get('before:n2') ?? 0) > 5,
      30_000,
      'both nodes serving',
    );
    phase = 'restarting';
    const [first] = nodes;
    assert.ok(first);
    const exited = once(first, 'exit');
    first.kill('SIGTERM');
    const [code, signal] = await exited;
    nodes[0] = await startServe(nodeEnv(ports[0] ?? 0));
    phase = 'after';
    await until(() => (servedBy.get('after:n1') ?? 0) > 5, 30_000, 'the restarted node back in rotation');
    stop = true;
    await load;

    if (process.env.FAULT_DEBUG) console.error(JSON.stringify({ total, servedBy: [...servedBy] }));
    assert.deepEqual([code, signal], [0, null], 'the drained node exits 0');
    assert.deepEqual(failures, [], `zero failed requests out of ${total}`);
    assert.ok(total > 50, `steady load: ${total} requests`);
    assert.ok((servedBy.get('after:n2') ?? 0) > 0, 'the other node carried the load meanwhile');
  });
});
