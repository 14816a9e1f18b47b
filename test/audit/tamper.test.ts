import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { eventHash } from '../../src/audit/chain.ts';
import { toChainedEvent } from '../../src/audit/export.ts';
import { sealChangedChains, sealMessage } from '../../src/audit/seal.ts';
import { send } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { tamper, testSigningKey } from './audit-support.ts';

interface Problem {
  chain_id: string | null;
  chain_seq?: string;
  problem: string;
}

for (const target of databaseTargets()) {
  describe(`the audit log is append-only and tampering is caught (${target})`, () => {
    let h: Harness;
    let chain: string;
    const verifyDb = async () => {
      const reply = await h.admin('GET', '/admin/v1/audit/verify');
      assert.equal(reply.status, 200);
      return reply.body as {
        ok: boolean;
        events: number;
        problems: Problem[];
        sealed_through: Record<string, string>;
      };
    };
    const rowAt = async (seq: number) => {
      const [row] = await h.tessera.db.query<{ row: Record<string, unknown> }>(
        'SELECT to_jsonb(e) AS row FROM audit_events e WHERE chain_id = $1 AND chain_seq = $2',
        [chain, seq],
      );
      assert.ok(row);
      return row.row;
    };

    before(async () => {
      h = await startHarness(target, { env: { TESSERA_AUDIT_SEAL_INTERVAL_MS: '86400000' } });
      chain = `${h.a.id}/live`;
      for (let i = 0; i < 4; i++) assert.equal((await h.a.live.get('/v1/me')).status, 200);
    });
    after(() => h?.close());

    test('an untouched log verifies, and a seal signs each changed chain head once', async () => {
      const first = await sealChangedChains(h.tessera.db, await testSigningKey());
      assert.ok(first.some((seal) => Object.hasOwn(seal.heads, chain)));
      assert.deepEqual(
        await sealChangedChains(h.tessera.db, await testSigningKey()),
        [],
        'nothing changed, nothing sealed',
      );

      const keys = await send(h.baseUrl, '/.well-known/tessera-audit-keys.json');
      assert.equal(keys.status, 200);
      const [key] = keys.body.keys as Array<{ key_id: string; algorithm: string; public_key: string }>;
      assert.ok(key);
      assert.equal(key.algorithm, 'Ed25519');
      const publicKey = createPublicKey({
        key: Buffer.from(key.public_key, 'base64'),
        format: 'der',
        type: 'spki',
      });
      for (const seal of first) {
        assert.equal(seal.key_id, key.key_id);
        assert.ok(
          verify(null, Buffer.from(sealMessage(seal)), publicKey, Buffer.from(seal.signature, 'base64')),
        );
      }
      const report = await verifyDb();
      assert.deepEqual(report.problems, []);
      assert.equal(report.ok, true);
      assert.ok(Number(report.sealed_through[chain]) >= 4);
    });

    test('the application cannot UPDATE, DELETE or TRUNCATE audit tables', async () => {
      const db = h.tessera.db;
      for (const sql of [
        `UPDATE audit_events SET path = '/x'`,
        'DELETE FROM audit_events',
        'TRUNCATE audit_events',
        `UPDATE audit_seals SET signature = 'x'`,
        'DELETE FROM audit_seals',
        'TRUNCATE audit_seals',
        'DELETE FROM audit_seal_heads',
      ]) {
        // audit_seals is also referenced by audit_seal_heads, so PostgreSQL refuses its TRUNCATE even earlier.
        await assert.rejects(db.query(sql), /append-only|referenced in a foreign key/, sql);
      }
      await assert.rejects(
        db.scoped({ partnerId: h.a.id, environment: 'live' }, (tx) =>
          tx.query(`UPDATE audit_events SET path = '/x'`),
        ),
        /permission denied/,
      );
      assert.deepEqual((await verifyDb()).problems, []);
    });

    test('an edited event is caught, and restoring it makes the log verify again', async () => {
      const original = await rowAt(2);
      await tamper(h.tessera.db, (tx) =>
        tx.query(`UPDATE audit_events SET status = 500 WHERE chain_id = $1 AND chain_seq = 2`, [chain]),
      );
      const report = await verifyDb();
      assert.equal(report.ok, false);
      assert.ok(
        report.problems.some(
          (p) => p.chain_id === chain && p.chain_seq === '2' && p.problem === 'hash_mismatch',
        ),
      );
      await tamper(h.tessera.db, (tx) =>
        tx.query(`UPDATE audit_events SET status = $2 WHERE chain_id = $1 AND chain_seq = 2`, [
          chain,
          original.status,
        ]),
      );
      assert.deepEqual((await verifyDb()).problems, []);
    });

    test('a deleted event is caught as a gap', async () => {
      const original = await rowAt(3);
      await tamper(h.tessera.db, (tx) =>
        tx.query('DELETE FROM audit_events WHERE chain_id = $1 AND chain_seq = 3', [chain]),
      );
      const report = await verifyDb();
      assert.ok(
        report.problems.some((p) => p.chain_id === chain && p.problem === 'gap'),
        JSON.stringify(report.problems),
      );
      await tamper(h.tessera.db, (tx) =>
        tx.query(
          'INSERT INTO audit_events OVERRIDING SYSTEM VALUE SELECT (jsonb_populate_record(NULL::audit_events, $1::jsonb)).*',
          [JSON.stringify(original)],
        ),
      );
      assert.deepEqual((await verifyDb()).problems, []);
    });

    test('two reordered events are caught', async () => {
      const swap = (tx: { query(sql: string, params: unknown[]): Promise<unknown> }) =>
        (async () => {
          await tx.query('UPDATE audit_events SET chain_seq = -1 WHERE chain_id = $1 AND chain_seq = 2', [
            chain,
          ]);
          await tx.query('UPDATE audit_events SET chain_seq = 2 WHERE chain_id = $1 AND chain_seq = 3', [
            chain,
          ]);
          await tx.query('UPDATE audit_events SET chain_seq = 3 WHERE chain_id = $1 AND chain_seq = -1', [
            chain,
          ]);
        })();
      await tamper(h.tessera.db, swap);
      const report = await verifyDb();
      assert.equal(report.ok, false);
      assert.ok(report.problems.some((p) => p.chain_id === chain && p.problem === 'hash_mismatch'));
      await tamper(h.tessera.db, swap);
      assert.deepEqual((await verifyDb()).problems, []);
    });

    test('a consistent rewrite of the chain (hashes and head recomputed) is caught by the signed seal and tree head', async () => {
      await tamper(h.tessera.db, async (tx) => {
        const rows = await tx.query<Parameters<typeof toChainedEvent>[0]>(
          `SELECT *, seq::text AS seq, chain_seq::text AS chain_seq FROM audit_events e
            WHERE chain_id = $1 AND chain_seq IS NOT NULL ORDER BY e.chain_seq`,
          [chain],
        );
        let prev = '';
        for (const row of rows.map(toChainedEvent)) {
          const fields = { ...row, status: row.chain_seq === '1' ? 204 : row.status };
          const { seq: _seq, prev_hash: stored, hash: _hash, ...hashed } = fields;
          const prevHash = row.chain_seq === '1' ? stored : prev;
          prev = eventHash(prevHash, hashed);
          await tx.query('UPDATE audit_events SET status = $1, prev_hash = $2, hash = $3 WHERE id = $4', [
            fields.status,
            prevHash,
            prev,
            row.id,
          ]);
        }
        await tx.query('UPDATE audit_chain_heads SET hash = $1 WHERE chain_id = $2', [prev, chain]);
      });
      const report = await verifyDb();
      assert.equal(report.ok, false);
      assert.deepEqual(
        report.problems.map((p) => [p.chain_id, p.problem]),
        [
          [chain, 'seal_head_mismatch'],
          [chain, 'witness_inconsistent'],
        ],
      );
    });
  });
}
