import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { purgeExpiredWriteRecords } from '../src/jobs.ts';
import { databaseTargets } from './support/database.ts';
import { type Harness, startHarness } from './support/harness.ts';

for (const target of databaseTargets()) {
  describe(`housekeeping (${target})`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(target);
    });
    after(() => h?.close());

    test('idempotency records live 24 hours and accepted signatures 15 minutes, then are purged', async () => {
      const db = h.database.db;
      const insertRecord = (age: string) =>
        db.query(
          `INSERT INTO idempotency_records (partner_id, environment, idempotency_key, fingerprint, status, response_body, created_at)
           VALUES ($1, 'test', $2, 'f', 201, '{}', now() - $3::interval)`,
          [h.a.id, randomUUID(), age],
        );
      const insertSignature = (age: string) =>
        db.query(
          `INSERT INTO accepted_signatures (partner_id, environment, signature_sha256, idempotency_key, accepted_at)
           VALUES ($1, 'test', $2, $3, now() - $4::interval)`,
          [h.a.id, randomUUID(), randomUUID(), age],
        );
      await insertRecord('23 hours');
      await insertRecord('25 hours');
      await insertSignature('10 minutes');
      await insertSignature('20 minutes');

      await purgeExpiredWriteRecords(db).run();

      const [records] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM idempotency_records WHERE partner_id = $1`,
        [h.a.id],
      );
      const [signatures] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM accepted_signatures WHERE partner_id = $1`,
        [h.a.id],
      );
      assert.equal(records?.n, 1, 'the 23-hour-old record is kept, the 25-hour-old one purged');
      assert.equal(signatures?.n, 1, 'the 10-minute-old signature is kept, the 20-minute-old one purged');
    });
  });
}
