// bench/auth-hardening — black-box figures for issue 10, items 3, 4 and 5, against a node started as a
// separate process on a fresh PostgreSQL database (DATABASE_URL must name the server; dropped afterwards).
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node --import tsx bench/auth-hardening.ts \
//     [--seconds=10] [--only=3|4|5]
//
// 3. Lock-out: ten wrong secrets for a victim's prefix, one from each of ten addresses, then the correct key
//    from an eleventh address (on a node that has not cached it); then `key regenerate`, fifteen old-key
//    retries from one address, and the new key from that address. Prints the statuses.
// 4. Timing: median latency of an unknown prefix vs a known prefix with a wrong secret, interleaved, each
//    request from its own address so no throttle interferes.
// 5. Flood: one address sends unauthenticated requests for N seconds (8 connections); prints the audit
//    rows and bytes (pg_total_relation_size of audit_events) it added, and the status mix.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { send } from '../test/support/client.ts';
import { createPostgresDatabase, dropPostgresDatabase } from '../test/support/database.ts';
import { ADMIN_TOKEN } from '../test/support/harness.ts';
import { type NodeProcess, startNode } from '../test/support/node-process.ts';

const seconds = Number(/--seconds=(\d+)/.exec(process.argv.join(' '))?.[1] ?? 10);
const only = /--only=(\d)/.exec(process.argv.join(' '))?.[1];
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
let addressCounter = 0;
const nextAddress = () => {
  addressCounter++;
  return `198.51.${(addressCounter >> 8) & 255}.${addressCounter & 255}`;
};
const secret48 = () =>
  randomBytes(36)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'a')
    .slice(0, 48);

async function seedKey(url: string, name: string) {
  const partner = await send(url, '/admin/v1/partners', {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ name }),
  });
  const key = await send(url, `/admin/v1/partners/${partner.body.id}/keys`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ environment: 'live' }),
  });
  return { id: String(key.body.id), prefix: String(key.body.prefix), key: String(key.body.key) };
}

const me = (url: string, key: string, from: string) =>
  send(url, '/v1/me', { headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': from } });

async function lockOut(node: NodeProcess): Promise<void> {
  const victim = await seedKey(node.url, 'Victim');
  for (let i = 0; i < 10; i++) await me(node.url, `sk_live_${victim.prefix}_${secret48()}`, nextAddress());
  const owner = await me(node.url, victim.key, nextAddress());
  console.log(
    `3a. correct key after 10 wrong secrets from 10 addresses: ${owner.status} ${owner.body.code ?? ''}`,
  );

  const rotated = await seedKey(node.url, 'Rotating');
  const client = nextAddress();
  await me(node.url, rotated.key, client);
  const regenerated = await send(node.url, `/admin/v1/keys/${rotated.id}/regenerate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  const retries = [];
  for (let i = 0; i < 15; i++) retries.push((await me(node.url, rotated.key, client)).status);
  const fresh = await me(node.url, String(regenerated.body.key), client);
  console.log(
    `3b. old-key retries: ${retries.join(',')}; then the new key: ${fresh.status} ${fresh.body.code ?? ''}`,
  );
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function timing(node: NodeProcess): Promise<void> {
  const known = await seedKey(node.url, 'Timing');
  const unknown: number[] = [];
  const wrong: number[] = [];
  const timed = async (key: string) => {
    const started = performance.now();
    await me(node.url, key, nextAddress());
    return performance.now() - started;
  };
  for (let i = 0; i < 40; i++) {
    unknown.push(await timed(`sk_live_ZZ${String(i).padStart(6, '9').replace(/[01]/g, '9')}_${secret48()}`));
    wrong.push(await timed(`sk_live_${known.prefix}_${secret48()}`));
  }
  console.log(
    `4. medians over 40 each: unknown prefix ${median(unknown).toFixed(1)} ms, wrong secret ${median(wrong).toFixed(1)} ms`,
  );
}

async function flood(node: NodeProcess, db: pg.Client): Promise<void> {
  const size = async () =>
    (
      await db.query<{ rows: string; bytes: string; flood_rows: string; flood_requests: string }>(
        `SELECT count(*)::text AS rows, pg_total_relation_size('audit_events')::text AS bytes,
                count(*) FILTER (WHERE client_ip = '203.0.113.9')::text AS flood_rows,
                coalesce(sum(coalesce((detail->>'count')::int, 1)) FILTER (WHERE client_ip = '203.0.113.9'), 0)::text
                  AS flood_requests
           FROM audit_events`,
      )
    ).rows[0] ?? { rows: '0', bytes: '0', flood_rows: '0', flood_requests: '0' };
  const before = await size();
  const statuses = new Map<string, number>();
  const deadline = Date.now() + seconds * 1000;
  let sent = 0;
  const worker = async (n: number) => {
    while (Date.now() < deadline) {
      const authorization = n % 2 === 0 ? 'Bearer not-a-key' : `Bearer sk_live_AAAAAAAA_${'b'.repeat(48)}`;
      const reply = await send(node.url, n % 3 === 0 ? '/v1/nowhere' : '/v1/me', {
        headers: { authorization, 'x-forwarded-for': '203.0.113.9' },
      });
      sent++;
      const key = `${reply.status} ${reply.body.code ?? ''}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, n) => worker(n)));
  await node.kill('SIGTERM'); // flushes what is pending
  const after = await size();
  console.log(
    `5. ${seconds} s flood from one address: ${sent} requests; audit rows +${Number(after.rows) - Number(before.rows)}, ` +
      `audit_events bytes +${((Number(after.bytes) - Number(before.bytes)) / 1e6).toFixed(2)} MB; ` +
      `of them from the flooding address ${after.flood_rows}, whose counts add up to ${after.flood_requests} requests; ` +
      `statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
}

const url = await createPostgresDatabase();
const db = new pg.Client({ connectionString: url });
try {
  const env = { DATABASE_URL: url, TESSERA_TRUSTED_PROXIES: '127.0.0.1/32' };
  const node = await startNode(env);
  if (only === undefined || only === '3') await lockOut(node);
  await node.kill();
  if (only !== '3') {
    if (only === undefined || only === '4') {
      const timingNode = await startNode({ ...env, TESSERA_AUTH_FAILURE_LIMIT: '1000000' });
      await timing(timingNode);
      await timingNode.kill();
    }
    if (only === undefined || only === '5') {
      const floodNode = await startNode(env);
      await db.connect();
      await flood(floodNode, db);
    }
  }
} finally {
  await db.end().catch(() => {});
  await dropPostgresDatabase(url);
}
