import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PartnerClient, type Reply } from '../support/client.ts';
import { type NodeProcess, startNode } from '../support/node-process.ts';
import { type PrivatePostgres, postgresBinaries, startPrivatePostgres } from '../support/private-postgres.ts';
import { createPartnerWithKey, quoteParams } from './support.ts';

const REQUEST_TIMEOUT_MS = 5_000;

describe('PostgreSQL restarted under load', {
  skip: !postgresBinaries() && 'needs PostgreSQL binaries',
}, () => {
  let postgres: PrivatePostgres;
  let node: NodeProcess;
  before(async () => {
    postgres = await startPrivatePostgres();
    node = await startNode({ DATABASE_URL: postgres.url });
  });
  after(async () => {
    await node?.kill('SIGKILL');
    postgres?.destroy();
  });

  test('Tessera answers 503 service.unavailable while it is down, never hangs, and recovers by itself', async () => {
    const { key } = await createPartnerWithKey(node.url);
    const client = new PartnerClient(node.url, key);
    const outcomes: Array<{ phase: string; status: number; code: string | undefined; ms: number }> = [];
    let phase = 'before';
    let day = 0;
    const call = async (): Promise<void> => {
      const started = Date.now();
      const timeout = new Promise<Reply>((_, reject) =>
        setTimeout(() => reject(new Error('request hung')), REQUEST_TIMEOUT_MS),
      );
      const request = day % 2 === 0 ? client.get('/v1/me') : client.post('/v1/quotes', quoteParams(day));
      day++;
      const reply = await Promise.race([request, timeout]);
      outcomes.push({ phase, status: reply.status, code: reply.body.code, ms: Date.now() - started });
    };
    const load = async (until: () => boolean) => {
      while (!until()) await Promise.all([call(), call(), call()]);
    };

    const loadEnds = Date.now() + 9_000;
    const running = load(() => Date.now() > loadEnds);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    phase = 'down';
    postgres.stop();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    postgres.start();
    phase = 'after';
    await running;

    if (process.env.FAULT_DEBUG) console.error(JSON.stringify(summarise(outcomes)));
    for (const outcome of outcomes) {
      assert.ok(
        outcome.status < 500 || (outcome.status === 503 && outcome.code === 'service.unavailable'),
        `unexpected ${outcome.status} ${outcome.code}`,
      );
    }
    const down = outcomes.filter((o) => o.phase === 'down');
    assert.ok(
      down.some((o) => o.status === 503),
      'requests while PostgreSQL was down were refused with 503',
    );
    const lastSecond = outcomes.slice(-6);
    assert.ok(
      lastSecond.every((o) => o.status === 200 || o.status === 201),
      `recovered without a restart: ${JSON.stringify(lastSecond)}`,
    );
  });
});

function summarise(outcomes: Array<{ phase: string; status: number; code: string | undefined; ms: number }>) {
  const counts: Record<string, number> = {};
  for (const o of outcomes)
    counts[`${o.phase} ${o.status} ${o.code ?? ''}`] =
      (counts[`${o.phase} ${o.status} ${o.code ?? ''}`] ?? 0) + 1;
  return { counts, slowestMs: Math.max(...outcomes.map((o) => o.ms)) };
}
