// A manifest is signed when it is complete, by a key already published: the seal an export makes to close
// its period may be what first publishes the node's key, and a signature older than its key's valid_from is
// refused by every verifier (found when a console export of "yesterday and today" failed to verify).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runAudit } from '../../cli/commands/audit.ts';
import { signManifest } from '../../src/audit/manifest-signature.ts';
import { send } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { captureIo, testSigningKey } from './audit-support.ts';

for (const target of databaseTargets()) {
  describe(`an export's manifest and its signing key (${target})`, () => {
    let h: Harness;
    let dir: string;
    before(async () => {
      h = await startHarness(target, { env: { TESSERA_AUDIT_SEAL_INTERVAL_MS: '86400000' } });
      dir = mkdtempSync(join(tmpdir(), 'tessera-manifest-key-'));
    });
    after(async () => {
      await h?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('the first export of a node whose key nothing has published yet verifies with the published keys', async () => {
      const [published] = await h.tessera.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM audit_signing_keys',
      );
      assert.equal(published?.n, 0, 'no seal and no keys document before the export');
      await h.a.live.get('/v1/me');
      const to = new Date(Date.now() + 1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const file = join(dir, 'a.jsonl');
      const io = captureIo(h.baseUrl);
      const args = ['export', '--partner', h.a.id, '--from', '2020-01-01T00:00:00.000Z'];
      args.push('--to', to.toISOString(), '--out', file, '--json');
      assert.equal(await runAudit(args, io), 0, io.err());

      const manifest = JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8'));
      const keys = await send(h.baseUrl, '/.well-known/tessera-audit-keys.json');
      const key = (keys.body.keys as Array<{ key_id: string; valid_from: string }>).find(
        (k) => k.key_id === manifest.key_id,
      );
      assert.ok(key, 'the signing key is published');
      assert.ok(manifest.signed_at >= key.valid_from, `${manifest.signed_at} < ${key.valid_from}`);
      const keysFile = join(dir, 'keys.json');
      writeFileSync(keysFile, keys.text);
      const verify = captureIo(h.baseUrl);
      assert.equal(await runAudit(['verify', file, '--keys', keysFile, '--json'], verify), 0, verify.out());
      assert.equal(JSON.parse(verify.out()).verdict, 'verified');

      // The same manifest re-signed with the real key but dated before the key was published is refused.
      const { signature: _s, key_id: _k, signed_at: _t, ...body } = manifest;
      const resign = async (signedAt: string) =>
        writeFileSync(
          `${file}.manifest.json`,
          JSON.stringify(signManifest(await testSigningKey(), body, signedAt)),
        );
      await resign(key.valid_from);
      const onTime = captureIo(h.baseUrl);
      assert.equal(
        await runAudit(['verify', file, '--keys', keysFile, '--json'], onTime),
        0,
        'dated when valid',
      );
      const backdated = new Date(Date.parse(key.valid_from) - 1).toISOString();
      writeFileSync(
        `${file}.manifest.json`,
        JSON.stringify(signManifest(await testSigningKey(), body, backdated)),
      );
      const refused = captureIo(h.baseUrl);
      assert.equal(await runAudit(['verify', file, '--keys', keysFile, '--json'], refused), 1, refused.out());
      const problems = JSON.parse(refused.out()).problems as Array<{ problem: string }>;
      assert.ok(
        problems.some((p) => p.problem === 'manifest_signature_invalid'),
        refused.out(),
      );
    });
  });
}
