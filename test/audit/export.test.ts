import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runAudit } from '../../cli/commands/audit.ts';
import { sealChangedChains } from '../../src/audit/seal.ts';
import { verifyExport } from '../../src/audit/verify-export.ts';
import { send } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { captureIo, testSigningKey } from './audit-support.ts';

const query = (from: string, to: string, format = 'jsonl') => `from=${from}&to=${to}&format=${format}`;

for (const target of databaseTargets()) {
  describe(`audit export and offline verification (${target})`, () => {
    let h: Harness;
    let dir: string;
    let from: string;
    let to: string;
    before(async () => {
      h = await startHarness(target, { env: { TESSERA_AUDIT_SEAL_INTERVAL_MS: '86400000' } });
      dir = mkdtempSync(join(tmpdir(), 'tessera-audit-'));
      from = new Date(Date.now() - 3_600_000).toISOString();
      for (const client of [h.a.live, h.a.test, h.b.live]) await client.get('/v1/me');
      await h.a.live.get('/v1/me', { 'user-agent': 'quote "client", v1' });
      await sealChangedChains(h.tessera.db, await testSigningKey());
      await h.a.live.get('/v1/me');
      to = new Date(Date.now() + 1).toISOString();
      await new Promise((resolve) => setTimeout(resolve, 5));
    });
    after(async () => {
      await h?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('a live key exports only its partner live chain and partner-level chain, in chain order', async () => {
      const reply = await h.a.live.get(`/v1/audit-events?${query(from, to)}`);
      assert.equal(reply.status, 200);
      assert.match(reply.headers.get('content-type') ?? '', /application\/x-ndjson/);
      const events = reply.text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line));
      assert.ok(events.length >= 3);
      const chains = [...new Set(events.map((e) => e.chain_id))];
      assert.deepEqual(chains, [h.a.id, `${h.a.id}/live`]);
      assert.ok(events.every((e) => e.partner_id === h.a.id));
      assert.ok(!reply.text.includes(h.b.id), 'partner B is invisible');
      const live = events.filter((e) => e.chain_id === `${h.a.id}/live`).map((e) => Number(e.chain_seq));
      assert.deepEqual(
        live,
        [...live].sort((x, y) => x - y),
      );
    });

    test('the manifest hashes exactly the exported bytes, for the partner and for staff', async () => {
      for (const format of ['jsonl', 'csv']) {
        const file = await fetch(`${h.baseUrl}/v1/audit-events?${query(from, to, format)}`, {
          headers: { authorization: `Bearer ${h.a.keys.test.key}` },
        });
        const bytes = Buffer.from(await file.arrayBuffer());
        const manifest = await h.a.test.get(`/v1/audit-events/manifest?${query(from, to, format)}`);
        assert.equal(manifest.status, 200);
        assert.equal(manifest.body.sha256, createHash('sha256').update(bytes).digest('hex'));
        assert.deepEqual(Object.keys(manifest.body.chains as object).sort(), [h.a.id, `${h.a.id}/test`]);
      }
      const staff = await h.admin(
        'GET',
        `/admin/v1/partners/${h.a.id}/audit-events/manifest?${query(from, to)}`,
      );
      assert.equal(staff.status, 200);
      assert.deepEqual(Object.keys(staff.body.chains as object).sort(), [
        h.a.id,
        `${h.a.id}/live`,
        `${h.a.id}/test`,
      ]);
      assert.ok((staff.body.seals as unknown[]).length >= 1, 'the seal taken mid-period covers the export');
    });

    test('a key without audit:read is refused, and bad periods are request.invalid with details', async () => {
      const key = await h.createKey(h.a.id, 'live', { scopes: ['quotes:read'] });
      const denied = await send(h.baseUrl, `/v1/audit-events?${query(from, to)}`, {
        headers: { authorization: `Bearer ${key.key}` },
      });
      assert.equal(denied.body.code, 'auth.permission.denied');
      for (const bad of [
        'from=yesterday',
        `from=${to}&to=${from}`,
        'from=2025-01-01T00:00:00',
        `from=${from}&format=xml`,
      ]) {
        const reply = await h.a.live.get(`/v1/audit-events?${bad}`);
        assert.equal(reply.status, 400, bad);
        assert.equal(reply.body.code, 'request.invalid');
        assert.ok(Array.isArray(reply.body.details) && reply.body.details.length > 0, bad);
      }
      assert.equal(
        (await h.admin('GET', `/admin/v1/partners/ptn_00000000000000000000000/audit-events?from=${from}`))
          .body.code,
        'resource.not_found',
      );
    });

    for (const format of ['jsonl', 'csv'] as const) {
      test(`tessera audit export + verify (${format}): intact verifies, any changed byte fails`, async () => {
        const out = join(dir, `a.${format}`);
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
          format,
          '--out',
          out,
          '--json',
        ];
        assert.equal(await runAudit(args, io), 0, io.err());
        const summary = JSON.parse(io.out());
        assert.ok(summary.event_count >= 5);

        const keysFile = join(dir, 'keys.json');
        writeFileSync(keysFile, (await send(h.baseUrl, '/.well-known/tessera-audit-keys.json')).text);
        const ok = captureIo(h.baseUrl);
        assert.equal(await runAudit(['verify', out, '--keys', keysFile, '--json'], ok), 0, ok.out());
        const report = JSON.parse(ok.out());
        assert.equal(report.ok, true);
        assert.equal(report.events, summary.event_count);
        assert.ok(Object.keys(report.sealed_through).length >= 1, 'a seal pins part of the export');

        const original = readFileSync(out);
        // The CLI streams the file: cut into chunks of any size, a record split across them, the report is
        // the same as for the whole file in one piece.
        const manifestInput = JSON.parse(readFileSync(`${out}.manifest.json`, 'utf8'));
        const trusted = JSON.parse(readFileSync(keysFile, 'utf8')).keys;
        const whole = await verifyExport([original], manifestInput, trusted);
        assert.equal(whole.ok, true, JSON.stringify(whole.problems));
        for (const size of [1, 7, 64, 1000]) {
          const chunks = Array.from({ length: Math.ceil(original.length / size) }, (_, i) =>
            original.subarray(i * size, (i + 1) * size),
          );
          assert.deepEqual(await verifyExport(chunks, manifestInput, trusted), whole, `chunks of ${size}`);
        }
        const text = original.toString('utf8');
        const edits: Record<string, [string, string]> = {
          'a changed byte': [text.replace(`${h.a.id}/live`, `${h.a.id}/livf`), 'sha256_mismatch'],
          'a deleted event': [dropLine(text, format, 2), 'gap'],
          'two events swapped': [swapLines(text, format, 2), 'out_of_order'],
          'an event inserted twice': [duplicateLine(text, format, 2), 'out_of_order'],
        };
        for (const [name, [edited, expected]] of Object.entries(edits)) {
          assert.notEqual(edited, text, name);
          writeFileSync(out, edited);
          const bad = captureIo(h.baseUrl);
          assert.equal(await runAudit(['verify', out, '--keys', keysFile, '--json'], bad), 1, name);
          const problems = (JSON.parse(bad.out()).problems as Array<{ problem: string }>).map(
            (p) => p.problem,
          );
          assert.ok(problems.includes(expected), `${name}: ${problems.join(', ')}`);
        }

        // A forger who also fixes the manifest's SHA-256 is caught by the event hashes.
        const forged = text.replace(`${h.a.id}/live`, `${h.a.id}/livf`);
        const manifestPath = `${out}.manifest.json`;
        const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
        writeFileSync(out, forged);
        writeFileSync(
          manifestPath,
          JSON.stringify({ ...manifest, sha256: createHash('sha256').update(forged).digest('hex') }),
        );
        const forgedIo = captureIo(h.baseUrl);
        assert.equal(await runAudit(['verify', out, '--keys', keysFile, '--json'], forgedIo), 1);
        const forgedProblems = JSON.parse(forgedIo.out()).problems as Array<{ problem: string }>;
        assert.ok(forgedProblems.some((p) => p.problem === 'hash_mismatch'));

        writeFileSync(out, original);
        writeFileSync(manifestPath, JSON.stringify(manifest));
        const human = captureIo(h.baseUrl);
        assert.equal(await runAudit(['verify', out, '--keys', keysFile], human), 0, human.out());
        assert.match(human.out(), /^OK: \d+ events/);
        // Keys embedded in the manifest are never trusted: without keys the verdict is "unverified".
        const untrusted = captureIo(h.baseUrl);
        assert.equal(await runAudit(['verify', out], untrusted), 3, untrusted.out());
        assert.match(untrusted.out(), /^UNVERIFIED: no trusted keys/);

        for (const unreadable of [dir, join(dir, 'missing.jsonl')]) {
          const io = captureIo(h.baseUrl);
          assert.equal(await runAudit(['verify', unreadable, '--keys', keysFile, '--json'], io), 1);
          assert.equal(JSON.parse(io.err()).error.code, 'cli.file_unreadable', io.err());
        }
      });
    }
  });
}

function lineSplit(text: string, format: 'jsonl' | 'csv'): { lines: string[]; eol: string; header: number } {
  const eol = format === 'csv' ? '\r\n' : '\n';
  return { lines: text.split(eol), eol, header: format === 'csv' ? 1 : 0 };
}

function dropLine(text: string, format: 'jsonl' | 'csv', index: number): string {
  const { lines, eol, header } = lineSplit(text, format);
  lines.splice(header + index, 1);
  return lines.join(eol);
}

function swapLines(text: string, format: 'jsonl' | 'csv', index: number): string {
  const { lines, eol, header } = lineSplit(text, format);
  const i = header + index;
  const [first, second] = [lines[i] ?? '', lines[i + 1] ?? ''];
  lines[i] = second;
  lines[i + 1] = first;
  return lines.join(eol);
}

function duplicateLine(text: string, format: 'jsonl' | 'csv', index: number): string {
  const { lines, eol, header } = lineSplit(text, format);
  lines.splice(header + index, 0, lines[header + index] ?? '');
  return lines.join(eol);
}
