import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runAudit } from '../../cli/commands/audit.ts';
import { sealChangedChains } from '../../src/audit/seal.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { captureIo, tamper, testSigningKey } from './audit-support.ts';

const YEAR_MS = 365 * 86_400_000;

for (const target of databaseTargets()) {
  describe(`retention purge of sealed ranges (${target})`, () => {
    let h: Harness;
    let offset = 0;
    let chain: string;
    let sealedThrough: number;
    before(async () => {
      h = await startHarness(target, {
        env: { TESSERA_AUDIT_SEAL_INTERVAL_MS: '86400000' },
        now: () => Date.now() + offset,
      });
      chain = `${h.a.id}/live`;
      for (let i = 0; i < 3; i++) await h.a.live.get('/v1/me');
      const seals = await sealChangedChains(h.tessera.db, await testSigningKey());
      sealedThrough = Number(seals.find((seal) => seal.heads[chain])?.heads[chain]?.chain_seq);
      for (let i = 0; i < 2; i++) await h.a.live.get('/v1/me');
    });
    after(() => h?.close());

    test('nothing inside the retention period is purged, and --before cannot shorten it', async () => {
      const io = captureIo(h.baseUrl);
      assert.equal(await runAudit(['purge', '--json'], io), 0, io.err());
      assert.equal(JSON.parse(io.out()).events_removed, 0);
      const early = captureIo(h.baseUrl);
      assert.equal(await runAudit(['purge', '--before', new Date().toISOString(), '--json'], early), 1);
      assert.equal(JSON.parse(early.err()).error.code, 'request.invalid');
    });

    test('past retention, whole sealed ranges go, the purge is recorded, and the log still verifies', async () => {
      offset = 8 * YEAR_MS;
      const io = captureIo(h.baseUrl);
      assert.equal(await runAudit(['purge', '--json'], io), 0, io.err());
      const result = JSON.parse(io.out());
      const range = result.chains.find((c: { chain_id: string }) => c.chain_id === chain);
      assert.deepEqual(range, {
        chain_id: chain,
        purged_from_chain_seq: '1',
        purged_through_chain_seq: String(sealedThrough),
        events: sealedThrough,
      });

      const remaining = await h.tessera.db.query<{ chain_seq: string; action: string }>(
        'SELECT chain_seq::text AS chain_seq, action FROM audit_events WHERE chain_id = $1 ORDER BY audit_events.chain_seq',
        [chain],
      );
      assert.equal(remaining[0]?.chain_seq, String(sealedThrough + 1), 'the unsealed tail is kept');
      assert.equal(remaining.at(-1)?.action, 'audit.purged');

      const verify = captureIo(h.baseUrl);
      assert.equal(await runAudit(['verify', '--database', '--json'], verify), 0, verify.out());
      assert.equal(JSON.parse(verify.out()).ok, true);
    });

    test('after a purge, deleting the next event is still caught', async () => {
      await tamper(h.tessera.db, (tx) =>
        tx.query(
          'DELETE FROM audit_events WHERE chain_id = $1 AND chain_seq = (SELECT min(chain_seq) FROM audit_events WHERE chain_id = $1)',
          [chain],
        ),
      );
      const verify = captureIo(h.baseUrl);
      assert.equal(await runAudit(['verify', '--database'], verify), 1);
      assert.match(verify.out(), /TAMPERED/);
      assert.match(verify.out(), new RegExp(`${chain}#${sealedThrough + 2}: chain_start_unexplained`));
    });
  });
}
