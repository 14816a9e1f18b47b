// The gateway in separate Tessera processes: a 50 MB download streamed through a node whose memory is
// watched from outside, and (on PostgreSQL) a node killed with SIGKILL in the middle of a forwarded write
// while the SDK retries through another node: the upstream makes exactly one transfer and the partner gets
// one answer.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Tessera } from '../../sdk/src/index.ts';
import { createPartnerWithKey } from '../faults/support.ts';
import { createPostgresDatabase, databaseTargets, dropPostgresDatabase } from '../support/database.ts';
import { type NodeProcess, startNode } from '../support/node-process.ts';
import { freePort } from '../support/ports.ts';
import {
  type GatewayFiles,
  gatewayFiles,
  ISSUER,
  type Ledger,
  ledgerConfig,
  startLedger,
} from './support.ts';

const MB = 1024 * 1024;

/** Resident memory of a process, from /proc (Linux). */
function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN) * 1024;
}

async function nodeEnv(target: string, files: GatewayFiles): Promise<Record<string, string>> {
  const storage: Record<string, string> =
    target === 'postgres'
      ? { DATABASE_URL: await createPostgresDatabase() }
      : { TESSERA_DATA_DIR: join(files.dir, 'data') };
  return {
    ...storage,
    TESSERA_GATEWAY_CONFIG: files.configFile,
    TESSERA_GATEWAY_SIGNING_KEY_FILE: files.signingKeyFile,
    TESSERA_PUBLIC_URL: ISSUER,
  };
}

/** RSS once the warm-up's garbage is collected: two samples a quarter second apart within 1 MB. */
async function settledRss(pid: number, timeoutMs = 15_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let previous = rssBytes(pid);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const current = rssBytes(pid);
    if (Math.abs(current - previous) < MB || performance.now() > deadline) return current;
    previous = current;
  }
}

for (const target of databaseTargets()) {
  describe(`a 50 MB download through a gateway node (${target})`, () => {
    let files: GatewayFiles;
    let env: Record<string, string>;
    let node: NodeProcess;
    let ledger: Ledger;
    let key: string;

    before(async () => {
      const port = await freePort();
      // timeout_ms bounds the whole exchange, body included: room for 50 MB on a busy machine.
      files = gatewayFiles(
        ledgerConfig(`http://127.0.0.1:${port}`).replace('timeout_ms: 5000', 'timeout_ms: 50000'),
      );
      env = await nodeEnv(target, files);
      node = await startNode(env);
      ledger = await startLedger({
        PORT: String(port),
        TESSERA_JWKS_URL: `${node.url}/.well-known/jwks.json`,
        TESSERA_ISSUER: ISSUER,
      });
      ({ key } = await createPartnerWithKey(node.url, 'test'));
    });
    after(async () => {
      await ledger?.stop();
      await node?.kill('SIGKILL');
      if (env?.DATABASE_URL) await dropPostgresDatabase(env.DATABASE_URL);
      files?.remove();
    });

    const download = async (mb: number) => {
      const response = await fetch(`${node.url}/v1/statements/big?mb=${mb}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-length'), String(mb * MB));
      const hash = createHash('sha256');
      let bytes = 0;
      let upstreamDoneAtFirstByte: boolean | undefined;
      const sentBefore = ledger.events.filter((e) => e.event === 'statement.sent').length;
      for await (const chunk of response.body ?? []) {
        upstreamDoneAtFirstByte ??=
          ledger.events.filter((e) => e.event === 'statement.sent').length > sentBefore;
        hash.update(chunk);
        bytes += chunk.length;
      }
      return { bytes, digest: hash.digest('hex'), upstreamDoneAtFirstByte };
    };

    test('streams the body: the node grows by less than 35 MB while 50 MB pass through it', async () => {
      // Warm up first (JIT, socket pools, the young generation that every passing chunk churns through), so
      // the baseline is the node's working size; a node that held the body would still grow by 50 MB. Peak
      // RSS also counts socket buffers already passed on but not yet collected: the node's ArrayBuffers
      // rise to about 30 MB and fall back during one download, so a peak of 20-25 MB is garbage, not a held
      // body (the first-byte check below is what proves streaming).
      await download(10);
      const pid = node.child.pid ?? 0;
      const baseline = await settledRss(pid);
      let peak = baseline;
      const sampler = setInterval(() => {
        peak = Math.max(peak, rssBytes(pid));
      }, 5);
      const { bytes, digest, upstreamDoneAtFirstByte } = await download(50).finally(() =>
        clearInterval(sampler),
      );
      peak = Math.max(peak, rssBytes(pid));
      const expected = createHash('sha256');
      const pattern = Buffer.alloc(64 * 1024, 'tessera-');
      for (let sent = 0; sent < 50 * MB; sent += pattern.length) expected.update(pattern);
      assert.equal(bytes, 50 * MB);
      assert.equal(digest, expected.digest('hex'), 'the bytes are the upstream bytes');
      // Streamed, not stored and forwarded: the partner had its first bytes before the upstream had sent all.
      assert.equal(upstreamDoneAtFirstByte, false);
      const growth = peak - baseline;
      assert.ok(growth < 35 * MB, `RSS grew by ${(growth / MB).toFixed(1)} MB`);
      process.stdout.write(
        `# ${target}: node RSS ${(baseline / MB).toFixed(1)} MB, peak growth ${(growth / MB).toFixed(1)} MB\n`,
      );
    });
  });
}

describe('a node killed mid forwarded write, the SDK retrying through another node', {
  skip: !process.env.DATABASE_URL && 'needs DATABASE_URL',
}, () => {
  let files: GatewayFiles;
  let env: Record<string, string>;
  let nodes: NodeProcess[] = [];
  let ledger: Ledger;
  let key: string;

  before(async () => {
    const port = await freePort();
    // The lease outlives the upstream timeout (the start refuses otherwise) and is short, so the test is.
    files = gatewayFiles(
      ledgerConfig(`http://127.0.0.1:${port}`).replace('timeout_ms: 5000', 'timeout_ms: 2500'),
    );
    env = { ...(await nodeEnv('postgres', files)), TESSERA_IDEMPOTENCY_LEASE_MS: '3000' };
    nodes = await Promise.all([startNode(env), startNode(env)]);
    ledger = await startLedger({
      PORT: String(port),
      TESSERA_JWKS_URL: `${nodes[1]?.url}/.well-known/jwks.json`,
      TESSERA_ISSUER: ISSUER,
      LEDGER_WRITE_DELAY_MS: '1000',
    });
    ({ key } = await createPartnerWithKey(nodes[0]?.url ?? '', 'test'));
  });
  after(async () => {
    await ledger?.stop();
    await Promise.all(nodes.map((node) => node.kill('SIGKILL')));
    if (env?.DATABASE_URL) await dropPostgresDatabase(env.DATABASE_URL);
    files?.remove();
  });

  test('exactly one effect upstream, and one answer for the partner', async () => {
    const [victim, survivor] = nodes;
    let attempts = 0;
    // The first attempt goes to the victim; every retry goes to the survivor.
    const fetchVia: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      url.host = new URL((attempts++ === 0 ? victim : survivor)?.url ?? '').host;
      return fetch(url, init);
    };
    const client = new Tessera({
      apiKey: key,
      baseUrl: victim?.url ?? '',
      fetch: fetchVia,
      maxAttempts: 12,
      timeoutMs: 30_000,
      random: () => 1, // the longest backoff each time: the retries outlast the 3 s lease
    });
    const idempotencyKey = randomUUID();
    const kill = ledger
      .waitFor((event) => event.event === 'transfer.received' && event.idempotency_key === idempotencyKey)
      .then(() => victim?.kill('SIGKILL'));
    const answer = await client.request<{ id: string }>('POST', '/v1/transfers', {
      body: { from: 'acc_1', to: 'acc_2', amount: 700 },
      idempotencyKey,
    });
    await kill;
    assert.notEqual(victim?.child.signalCode, null, 'the first node was killed mid-flight');
    assert.ok(answer.attempts > 1, 'the SDK retried');
    assert.equal(answer.status, 201);
    const created = ledger.events.filter(
      (e) => e.event === 'transfer.created' && e.idempotency_key === idempotencyKey,
    );
    assert.equal(created.length, 1, 'the upstream made exactly one transfer');
    assert.equal(answer.body.id, `trf_${created[0]?.count}`, 'the partner got that transfer');
    const received = ledger.events.filter(
      (e) => e.event === 'transfer.received' && e.idempotency_key === idempotencyKey,
    );
    assert.equal(received.length, 1, 'the retry was deduplicated by the upstream, not re-executed');
  });
});
