// Audit ledger v2 against the attacks of issue 12: each tampered export or database is caught with the
// exact problem code an auditor would read (docs/audit-ledger.md §7.1 and §8).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runAudit } from '../../cli/commands/audit.ts';
import { Tessera } from '../../sdk/src/index.ts';
import { eventHash } from '../../src/audit/chain.ts';
import type { ChainedAuditEvent } from '../../src/audit/event.ts';
import { exportLine } from '../../src/audit/export-format.ts';
import { signManifest } from '../../src/audit/manifest-signature.ts';
import { eventLeafHash, verifyConsistency, verifyInclusion } from '../../src/audit/merkle.ts';
import { sealAndSign } from '../../src/audit/seal.ts';
import { sequenceAllPending } from '../../src/audit/sequence.ts';
import {
  publishSigningKey,
  SigningKeyRetiredError,
  signingKeyFromPem,
} from '../../src/audit/signing-keys.ts';
import { checkTreeHead, signTreeHead } from '../../src/audit/tree-head.ts';
import { send } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { captureIo, tamper, testSigningKey } from './audit-support.ts';

// biome-ignore lint/suspicious/noExplicitAny: a forger edits the manifest freely, field by field
type Manifest = Record<string, any>;

/** Re-hashes events from `prev` on, as a forger who edits one event and re-links the rest would. */
function relink(events: ChainedAuditEvent[], prev: string): ChainedAuditEvent[] {
  return events.map((event) => {
    const { seq: _s, prev_hash: _p, hash: _h, ...fields } = event;
    const hash = eventHash(prev, fields);
    const linked = { ...event, prev_hash: prev, hash };
    prev = hash;
    return linked;
  });
}

/** tools/verify-audit.py, the independent verifier; undefined when python3-cryptography is missing. */
const PYTHON_VERIFIER = fileURLToPath(new URL('../../tools/verify-audit.py', import.meta.url));
const pythonReady = spawnSync('python3', ['-c', 'import cryptography']).status === 0;
if (!pythonReady) {
  console.warn(
    'SKIPPING the Python verifier checks: python3 with cryptography is missing (apt-get install -y python3-cryptography)',
  );
}
function pythonVerify(file: string, keysFile: string): { exit: number; codes: string[] } | undefined {
  if (!pythonReady) return undefined;
  const run = spawnSync('python3', [PYTHON_VERIFIER, 'export', file, '--keys', keysFile], {
    encoding: 'utf8',
  });
  const report = JSON.parse(run.stdout || '{"problems":[]}');
  return { exit: run.status ?? -1, codes: report.problems.map((p: { problem: string }) => p.problem) };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

for (const target of databaseTargets()) {
  describe(`audit ledger v2: proofs an outsider can check (${target})`, () => {
    let h: Harness;
    let dir: string;
    let keysFile: string;
    let file: string;
    let text: string;
    let manifest: Manifest;
    let live: string;
    const from = '2020-01-01T00:00:00.000Z';
    let to: string;

    const verify = async (edited: string, editedManifest: Manifest) => {
      writeFileSync(file, edited);
      writeFileSync(`${file}.manifest.json`, JSON.stringify(editedManifest));
      const io = captureIo(h.baseUrl);
      const exit = await runAudit(['verify', file, '--keys', keysFile, '--json'], io);
      const report = JSON.parse(io.out());
      const codes: string[] = report.problems.map((p: { problem: string }) => p.problem);
      // The Python verifier, written from the spec alone, must reach the same verdict on the same files.
      const python = pythonVerify(file, keysFile);
      if (python) assert.equal(python.exit, exit, `python: ${python.codes.join()} / node: ${codes.join()}`);
      return { exit, verdict: report.verdict, codes, python: python?.codes ?? codes };
    };
    const expectCode = (result: { codes: string[]; python: string[] }, code: string) => {
      assert.ok(result.codes.includes(code), `node: ${result.codes.join()}`);
      assert.ok(result.python.includes(code), `python: ${result.python.join()}`);
    };
    const events = () =>
      text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as ChainedAuditEvent);
    const write = (list: ChainedAuditEvent[]) => list.map((e) => exportLine(e, 'jsonl')).join('');

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tessera-ledger-'));
      h = await startHarness(target, {
        env: { TESSERA_AUDIT_SEAL_INTERVAL_MS: '86400000', TESSERA_AUDIT_WITNESS_DIR: dir },
      });
      live = `${h.a.id}/live`;
      await h.a.live.get('/v1/me', { 'user-agent': '=1+2' });
      for (let i = 0; i < 3; i++) await h.a.live.get('/v1/me');
      await sequenceAllPending(h.tessera.db); // the period must hold these four events
      const [last] = await h.tessera.db.query<{ at: Date }>(
        'SELECT max(recorded_at) AS at FROM audit_events WHERE chain_id = $1',
        [live],
      );
      to = new Date(new Date(last?.at ?? 0).getTime() + 1).toISOString();
      // The period must be over by the database's clock before its manifest can close it.
      const deadline = Date.now() + 5_000;
      for (;;) {
        const [now] = await h.tessera.db.query<{ past: boolean }>(
          'SELECT $1::timestamptz <= clock_timestamp() AS past',
          [to],
        );
        if (now?.past || Date.now() > deadline) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      for (let i = 0; i < 3; i++) await h.a.live.get('/v1/me');
      await sealAndSign(h.tessera.db, await testSigningKey(), { witnessDir: dir });

      keysFile = join(dir, 'keys.json');
      writeFileSync(keysFile, (await send(h.baseUrl, '/.well-known/tessera-audit-keys.json')).text);
      file = join(dir, 'a.jsonl');
      const io = captureIo(h.baseUrl);
      const args = ['export', '--partner', h.a.id, '--from', from, '--to', to, '--out', file, '--json'];
      assert.equal(await runAudit(args, io), 0, io.err());
      text = readFileSync(file, 'utf8');
      manifest = JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8'));
    });
    after(async () => {
      await h?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('an intact export is verified with trusted keys, and proves each chain complete', async () => {
      const result = await verify(text, manifest);
      assert.deepEqual(result, { exit: 0, verdict: 'verified', codes: [], python: [] });
      assert.deepEqual(manifest.scope.chain_ids, [h.a.id, `${h.a.id}/live`, `${h.a.id}/test`]);
      assert.equal(manifest.proofs[live].events, events().filter((e) => e.chain_id === live).length);
      assert.ok(manifest.proofs[live].after, 'an event after the period anchors it');
    });

    test('partners and staff get signed heads and inclusion and consistency proofs that check out', async () => {
      const sdk = new Tessera({ apiKey: h.a.keys.live.key, baseUrl: h.baseUrl, sleep: async () => {} });
      const head = await sdk.auditEvents.treeHead();
      assert.equal(head.chain_id, live);
      const trusted = JSON.parse(readFileSync(keysFile, 'utf8')).keys;
      assert.equal(checkTreeHead(head, trusted), 'ok');
      const first = events().find((e) => e.chain_id === live) as ChainedAuditEvent;
      const proof = await sdk.auditEvents.proof(first.id);
      const included = verifyInclusion(
        eventLeafHash(first.hash),
        Number(first.chain_seq) - 1,
        Number(proof.tree_head.tree_size),
        proof.audit_path.map((p) => Buffer.from(p, 'hex')),
        Buffer.from(proof.tree_head.root_hash, 'hex'),
      );
      assert.ok(included, 'the partner can check its own event is in the signed tree');

      const staffHead = await h.admin(
        'GET',
        `/admin/v1/audit/tree-head?chain_id=${encodeURIComponent(live)}`,
      );
      assert.deepEqual(staffHead.body, head);
      const cli = captureIo(h.baseUrl);
      assert.equal(await runAudit(['proof', '--event', first.id, '--json'], cli), 0, cli.out());
      assert.equal(JSON.parse(cli.out()).included, true);

      const sizes = await h.tessera.db.query<{ tree_size: string; root_hash: string }>(
        'SELECT tree_size::text AS tree_size, root_hash FROM audit_tree_heads WHERE chain_id = $1 ORDER BY tree_size',
        [live],
      );
      const [older, newer] = [sizes[0], sizes.at(-1)];
      assert.ok(older && newer);
      const consistency = await sdk.auditEvents.consistency(older.tree_size, newer.tree_size);
      const consistent = verifyConsistency(
        Number(older.tree_size),
        Number(newer.tree_size),
        Buffer.from(older.root_hash, 'hex'),
        Buffer.from(newer.root_hash, 'hex'),
        consistency.proof.map((p) => Buffer.from(p, 'hex')),
      );
      assert.ok(consistent);

      // Another partner's event is indistinguishable from none; an unsigned size is named as the bad field.
      const other = await h.b.live.get(`/v1/audit-events/${first.id}/proof`);
      assert.equal(other.status, 404);
      assert.equal(other.body.code, 'resource.not_found');
      const unsigned = await h.a.live.get(`/v1/audit/consistency?first=${older.tree_size}&second=999999`);
      assert.equal(unsigned.status, 400);
      assert.equal(unsigned.body.code, 'request.invalid');
      assert.deepEqual(unsigned.body.details, [
        { field: 'second', message: 'must be the size of a signed tree head' },
      ]);
    });

    test('impossible instants are 400 request.invalid naming the field, for partner and staff exports and purge', async () => {
      for (const bad of [
        '0000-01-01T00:00:00Z',
        '2026-02-30',
        '2026-04-31T00:00:00Z',
        '2026-01-01T24:00:00Z',
      ]) {
        const q = `from=${encodeURIComponent(bad)}&to=2026-06-01`;
        const partner = await h.a.live.get(`/v1/audit-events?${q}`);
        const staff = await h.admin('GET', `/admin/v1/partners/${h.a.id}/audit-events?${q}`);
        const purge = await h.admin('POST', '/admin/v1/audit/purge', { before: bad });
        for (const [name, reply, field] of [
          ['partner', partner, 'from'],
          ['staff', staff, 'from'],
          ['purge', purge, 'before'],
        ] as const) {
          assert.equal(reply.status, 400, `${name} ${bad}`);
          assert.equal(reply.body.code, 'request.invalid');
          assert.deepEqual(
            (reply.body.details as Array<{ field: string }>).map((d) => d.field),
            [field],
            `${name} ${bad}`,
          );
        }
      }
    });

    test('staff export the platform chain (unknown keys, staff requests) and it verifies', async () => {
      await send(h.baseUrl, '/v1/me', { headers: { authorization: 'Bearer not-a-key' } });
      const out = join(dir, 'platform.jsonl');
      const io = captureIo(h.baseUrl);
      const args = ['export', '--platform', '--from', from, '--to', to, '--out', out, '--json'];
      assert.equal(await runAudit(args, io), 0, io.err());
      const exported = readFileSync(out, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line));
      assert.ok(exported.length > 0);
      assert.ok(exported.every((e) => e.chain_id === '-' && e.partner_id === null));
      const check = captureIo(h.baseUrl);
      assert.equal(await runAudit(['verify', out, '--keys', keysFile, '--json'], check), 0, check.out());
      assert.deepEqual(pythonVerify(out, keysFile)?.codes ?? [], []);
    });

    test('CSV cells that a spreadsheet would run are neutralised, and the CSV export still verifies', async () => {
      const csv = join(dir, 'a.csv');
      const io = captureIo(h.baseUrl);
      const args = [
        'export',
        '--partner',
        h.a.id,
        '--from',
        from,
        '--to',
        to,
        '--format',
        'csv',
        '--out',
        csv,
      ];
      assert.equal(await runAudit(args, io), 0, io.err());
      const body = readFileSync(csv, 'utf8');
      assert.ok(body.includes(",'=1+2,"), 'the formula is written with a leading apostrophe');
      assert.ok(!body.includes(',=1+2,'));
      const check = captureIo(h.baseUrl);
      assert.equal(await runAudit(['verify', csv, '--keys', keysFile, '--json'], check), 0, check.out());
      assert.deepEqual(pythonVerify(csv, keysFile)?.codes ?? [], [], 'the Python verifier agrees');
    });

    test('an edited, re-linked export with a rewritten manifest is caught', async () => {
      const list = events();
      const index = list.findIndex((e) => e.chain_id === live && e.chain_seq === '2');
      const chain = list.filter((e) => e.chain_id === live);
      const edited = chain.map((e) => (e.chain_seq === '2' ? { ...e, status: 500 } : e));
      const relinked = relink(edited, chain[0]?.prev_hash ?? '');
      const forged = [...list.slice(0, index - 1), ...relinked, ...list.slice(index - 1 + chain.length)];
      assert.equal(forged.length, list.length);
      const forgedText = write(forged);
      const lastLinked = relinked.at(-1) as ChainedAuditEvent;
      const afterEvent = relink([manifest.proofs[live].after], lastLinked.hash)[0];
      const forgedManifest = structuredClone(manifest);
      forgedManifest.sha256 = sha256(forgedText);
      forgedManifest.chains[live].last_hash = lastLinked.hash;
      forgedManifest.proofs[live].after = afterEvent;
      const result = await verify(forgedText, forgedManifest);
      assert.equal(result.exit, 1);
      expectCode(result, 'manifest_signature_invalid');
      expectCode(result, 'inclusion_proof_invalid');
    });

    test('dropped tree heads and seals are caught', async () => {
      const stripped = structuredClone(manifest);
      stripped.seals = [];
      for (const proof of Object.values(stripped.proofs) as Manifest[]) proof.tree_head = null;
      const result = await verify(text, stripped);
      assert.equal(result.exit, 1);
      expectCode(result, 'tree_head_missing');
    });

    test('an emptied period is caught', async () => {
      const emptied = structuredClone(manifest);
      Object.assign(emptied, {
        sha256: sha256(''),
        event_count: 0,
        first_seq: null,
        last_seq: null,
        chains: {},
      });
      for (const proof of Object.values(emptied.proofs) as Manifest[]) proof.events = 0;
      const result = await verify('', emptied);
      assert.equal(result.exit, 1);
      expectCode(result, 'range_disconnected');
    });

    test('a truncated sealed tail is caught, with or without the event after the period', async () => {
      const list = events();
      const lastTwo = list.filter((e) => e.chain_id === live).slice(-2);
      const kept = list.filter((e) => !lastTwo.includes(e));
      const truncated = write(kept);
      const cut = structuredClone(manifest);
      Object.assign(cut, { sha256: sha256(truncated), event_count: kept.length });
      cut.proofs[live].events -= 2;
      const withAfter = await verify(truncated, cut);
      expectCode(withAfter, 'range_disconnected');
      cut.proofs[live].after = null;
      const withoutAfter = await verify(truncated, cut);
      assert.equal(withoutAfter.exit, 1);
      expectCode(withoutAfter, 'period_not_sealed');
    });

    test('an export re-signed with another key is caught by the trusted keys', async () => {
      const pem = generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString();
      const forger = signingKeyFromPem(pem);
      const resigned = structuredClone(manifest);
      for (const proof of Object.values(resigned.proofs) as Manifest[]) {
        if (proof.tree_head) {
          const { key_id: _k, signature: _s, ...head } = proof.tree_head;
          proof.tree_head = signTreeHead(forger, head);
        }
      }
      resigned.keys = [
        { key_id: forger.keyId, algorithm: 'Ed25519', public_key: forger.publicKey, created_at: from },
      ];
      const { signature: _s, key_id: _k, signed_at: signedAt, ...body } = resigned;
      const result = await verify(text, signManifest(forger, body, signedAt));
      assert.equal(result.exit, 1);
      expectCode(result, 'key_untrusted');
      const io = captureIo(h.baseUrl);
      assert.equal(await runAudit(['verify', file], io), 3, 'with no trusted keys, nothing is verified');
    });

    test('a superuser rewrite re-signed WITH the signing key is caught by a witness holding an earlier head', async () => {
      const state = join(dir, 'witness.json');
      const witness = async () => {
        const io = captureIo(h.baseUrl);
        const args = [
          'witness',
          '--url',
          h.baseUrl,
          '--key',
          h.b.keys.live.key,
          '--state',
          state,
          '--keys',
          keysFile,
          '--json',
        ];
        return { exit: await runAudit(args, io), report: JSON.parse(io.out() || '{}') };
      };
      const key = await testSigningKey();
      for (let i = 0; i < 3; i++) await h.b.live.get('/v1/me');
      await sealAndSign(h.tessera.db, key, { witnessDir: dir });
      assert.equal((await witness()).exit, 0);
      await h.b.live.get('/v1/me');
      await sealAndSign(h.tessera.db, key, { witnessDir: dir });
      const grown = await witness();
      assert.equal(grown.exit, 0, JSON.stringify(grown.report));

      const chainId = `${h.b.id}/live`;
      await tamper(h.tessera.db, async (tx) => {
        const rows = await tx.query<ChainedAuditEvent>(
          `SELECT seq::text AS seq, id, chain_id, chain_seq::text AS chain_seq, recorded_at, occurred_at, request_id,
                  partner_id, environment, actor_type, actor_id, action, method, path, status, error_code, client_ip,
                  user_agent, latency_ms, detail, prev_hash, hash
             FROM audit_events WHERE chain_id = $1 AND chain_seq IS NOT NULL ORDER BY chain_seq`,
          [chainId],
        );
        const chain = rows.map((r) => ({
          ...r,
          recorded_at: new Date(r.recorded_at).toISOString(),
          occurred_at: new Date(r.occurred_at).toISOString(),
          latency_ms: r.latency_ms === null ? null : Number(r.latency_ms),
        }));
        const rewritten = relink(
          chain.map((e, i) => (i === 0 ? { ...e, status: (e.status ?? 0) + 1 } : e)),
          chain[0]?.prev_hash ?? '',
        );
        for (const e of rewritten) {
          await tx.query(
            'UPDATE audit_events SET status = $2, error_code = $3, prev_hash = $4, hash = $5 WHERE id = $1',
            [e.id, e.status, e.error_code, e.prev_hash, e.hash],
          );
        }
        await tx.query('UPDATE audit_chain_heads SET hash = $2 WHERE chain_id = $1', [
          chainId,
          rewritten.at(-1)?.hash,
        ]);
        await tx.query('DELETE FROM audit_tree_heads WHERE chain_id = $1', [chainId]);
      });
      await h.b.live.get('/v1/me');
      await sealAndSign(h.tessera.db, key); // the attacker signs with the real key, but cannot reach the witnesses
      const forked = await witness();
      assert.equal(forked.exit, 1);
      assert.equal(forked.report.problem, 'witness_inconsistent');
    });

    test("the owner's tail deletion: no session setting deletes events, and a forced deletion is caught", async () => {
      await assert.rejects(
        h.tessera.db.transaction(async (tx) => {
          await tx.query(`SELECT set_config('tessera.audit_purge', 'on', true)`);
          await tx.query('DELETE FROM audit_events WHERE chain_id = $1', [live]);
        }),
        /append-only/,
      );
      await tamper(h.tessera.db, async (tx) => {
        const [head] = await tx.query<{ chain_seq: string }>(
          'SELECT chain_seq::text AS chain_seq FROM audit_chain_heads WHERE chain_id = $1',
          [live],
        );
        const through = BigInt(head?.chain_seq ?? '0') - 2n;
        const [kept] = await tx.query<{ hash: string }>(
          'SELECT hash FROM audit_events WHERE chain_id = $1 AND chain_seq = $2',
          [live, through.toString()],
        );
        await tx.query('DELETE FROM audit_events WHERE chain_id = $1 AND chain_seq > $2', [
          live,
          through.toString(),
        ]);
        await tx.query('UPDATE audit_chain_heads SET chain_seq = $2, hash = $3 WHERE chain_id = $1', [
          live,
          through.toString(),
          kept?.hash,
        ]);
        await tx.query('DELETE FROM audit_tree_heads WHERE chain_id = $1', [live]);
        await tx.query('DELETE FROM audit_seal_heads WHERE chain_id = $1', [live]);
      });
      const io = captureIo(h.baseUrl);
      assert.equal(await runAudit(['verify', '--database', '--json'], io), 1, io.out());
      const problems = JSON.parse(io.out()).problems as Array<{ chain_id: string; problem: string }>;
      assert.ok(
        problems.some((p) => p.chain_id === live && p.problem === 'witness_inconsistent'),
        JSON.stringify(problems),
      );
    });

    test('rotation: a new key is published with its validity, the old one stays, and old exports still verify', async () => {
      const pem = generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString();
      const next = signingKeyFromPem(pem);
      await h.a.live.get('/v1/me');
      await sealAndSign(h.tessera.db, next);
      const published = (await send(h.baseUrl, '/.well-known/tessera-audit-keys.json')).body.keys as Array<{
        key_id: string;
        valid_from: string;
        valid_until: string | null;
      }>;
      const old = published.find((k) => k.key_id === (manifest.key_id as string));
      const current = published.find((k) => k.key_id === next.keyId);
      assert.ok(old?.valid_until, 'the old key is closed');
      assert.equal(current?.valid_until, null, 'the new key is current');
      assert.equal(current?.valid_from, old?.valid_until, 'one hands over to the other');
      const rotatedKeys = join(dir, 'rotated-keys.json');
      writeFileSync(rotatedKeys, JSON.stringify({ keys: published }));
      writeFileSync(file, text);
      writeFileSync(`${file}.manifest.json`, JSON.stringify(manifest));
      const io = captureIo(h.baseUrl);
      assert.equal(await runAudit(['verify', file, '--keys', rotatedKeys, '--json'], io), 0, io.out());
    });

    test('after a rotation, a node still holding the old key signs nothing and answers 503 for a manifest; a node whose clock is behind signs inside its key period', async () => {
      // The test above published a newer key, so this node's own key is retired (a rolling rotation, half done).
      const retired = await testSigningKey();
      assert.equal(retired.keyId, manifest.key_id);
      await h.a.live.get('/v1/me');
      const signed = async () =>
        (
          await h.tessera.db.query<{ n: string }>(
            'SELECT ((SELECT count(*) FROM audit_seals) + (SELECT count(*) FROM audit_tree_heads))::text AS n',
          )
        )[0]?.n;
      const before = await signed();
      await assert.rejects(sealAndSign(h.tessera.db, retired), SigningKeyRetiredError);
      assert.equal(await signed(), before, 'nothing is signed with the retired key');
      const refused = await h.a.live.get(`/v1/audit-events/manifest?from=${from}&to=${to}&format=jsonl`);
      assert.equal(refused.status, 503);
      assert.equal(refused.body.code, 'service.unavailable');

      // Another key, first published by a node whose clock is a minute ahead, then used by one 5 s behind it.
      const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
      const newer = signingKeyFromPem(pem.toString());
      const ahead = Date.now() + 60_000;
      assert.equal(await publishSigningKey(h.tessera.db, newer, new Date(ahead)), 'current');
      await h.a.live.get('/v1/me');
      const { heads } = await sealAndSign(h.tessera.db, newer, { now: () => ahead - 5_000 });
      assert.ok(heads.length > 0, 'the node behind signs tree heads');
      const keys = (await send(h.baseUrl, '/.well-known/tessera-audit-keys.json')).body.keys as never[];
      for (const head of heads) assert.equal(checkTreeHead(head, keys), 'ok');
    });
  });
}
