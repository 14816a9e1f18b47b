import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTessera } from '../../src/app.ts';
import { ARGON2_COST } from '../../src/keys/argon2.ts';
import { UNKNOWN_PREFIX_HASH } from '../../src/keys/verifier.ts';
import { createLogger } from '../../src/log.ts';
import { PartnerClient, send } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { ADMIN_TOKEN, type Harness, startHarness, testConfig } from '../support/harness.ts';

// An unknown prefix and a wrong secret for a known prefix must cost the same: otherwise response time
// tells an attacker which prefixes exist. The exact check is the work done (one Argon2id run each, counted
// by the node's verifier); the timing check compares medians of interleaved requests with a bound loose
// enough that a loaded machine cannot make it flake (before the fix the ratio was about 10).
const SAMPLES = 11;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const guess = (n: number) => `${'g'.repeat(44)}${String(n).padStart(4, '0')}`;
const PRODUCTION_PARAMETERS = '$argon2id$v=19$m=65536,t=3,p=1$';

for (const target of databaseTargets()) {
  describe(`an unknown prefix and a wrong secret are indistinguishable (${target})`, () => {
    let h: Harness;
    before(async () => {
      // The production cost, which other test files lower to save time (TEST_ARGON2_COST).
      h = await startHarness(target, {
        env: { TESSERA_AUTH_FAILURE_LIMIT: '1000' },
        argon2Cost: ARGON2_COST,
      });
    });
    after(() => h?.close());

    const storedHash = async (keyId: string) =>
      (
        await h.database.db.query<{ secret_hash: string }>('SELECT secret_hash FROM api_keys WHERE id = $1', [
          keyId,
        ])
      )[0]?.secret_hash;

    test('without a cost option, as `tessera serve` runs, keys are hashed at m = 64 MiB, t = 3, p = 1 like the unknown-prefix hash', async () => {
      assert.ok(UNKNOWN_PREFIX_HASH.startsWith(PRODUCTION_PARAMETERS), UNKNOWN_PREFIX_HASH);
      // No cost option: what `tessera serve` runs with.
      const node = await createTessera(testConfig(), { db: h.database.db, logger: createLogger('silent') });
      try {
        const url = await node.listen();
        const created = await send(url, `/admin/v1/partners/${h.a.id}/keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ environment: 'live' }),
        });
        assert.equal(created.status, 201, created.text);
        assert.ok((await storedHash(String(created.body.id)))?.startsWith(PRODUCTION_PARAMETERS));
        assert.equal((await new PartnerClient(url, String(created.body.key)).get('/v1/me')).status, 200);
      } finally {
        await node.close();
      }
      assert.ok((await storedHash(h.a.keys.live.id))?.startsWith(PRODUCTION_PARAMETERS));
    });

    async function timed(key: string): Promise<{ ms: number; argon2Runs: number; code: unknown }> {
      const runsBefore = h.tessera.argon2.verifications;
      const started = performance.now();
      const reply = await new PartnerClient(h.baseUrl, key).get('/v1/me');
      return {
        ms: performance.now() - started,
        argon2Runs: h.tessera.argon2.verifications - runsBefore,
        code: reply.body.code,
      };
    }

    test('each costs exactly one Argon2id run, and their median times are within a factor of two', async () => {
      const known = h.a.keys.live.prefix;
      assert.equal((await h.a.live.get('/v1/me')).status, 200, 'the known key is even cached on this node');
      const unknown: number[] = [];
      const wrong: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const prefix = `UNKN${String(i).padStart(4, '0')}`;
        const a = await timed(`sk_live_${prefix}_${guess(i)}`);
        const b = await timed(`sk_live_${known}_${guess(i)}`);
        assert.deepEqual([a.code, b.code], ['auth.api_key.invalid', 'auth.api_key.invalid']);
        assert.deepEqual([a.argon2Runs, b.argon2Runs], [1, 1], `sample ${i}: Argon2id runs per request`);
        unknown.push(a.ms);
        wrong.push(b.ms);
      }
      const ratio = median(unknown) / median(wrong);
      assert.ok(
        ratio > 0.5 && ratio < 2,
        `median unknown prefix ${median(unknown).toFixed(1)} ms vs wrong secret ${median(wrong).toFixed(1)} ms`,
      );
    });
  });
}
