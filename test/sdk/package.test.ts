// The SDK as a partner gets it: `npm pack` in sdk/, the tarball installed into an empty project, a
// TypeScript program compiled with `tsc --strict` against the installed types, then run against a live
// Tessera. Catches a tarball without dist/, broken `exports`/`types`, and declarations that do not compile.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SDK = join(REPO, 'sdk');
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
const CONSUMER = fileURLToPath(new URL('./package/consumer.ts', import.meta.url));

interface PackedFile {
  path: string;
}

/** Packs the SDK (which builds it on prepack) and returns the tarball's path and file list. */
async function pack(destination: string): Promise<{ tarball: string; files: string[] }> {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', destination], { cwd: SDK });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: PackedFile[] }>;
  assert.ok(packed, 'npm pack reported nothing');
  return { tarball: join(destination, packed.filename), files: packed.files.map((file) => file.path) };
}

/** An empty ESM project with the tarball installed, the consumer program, and a strict tsconfig. */
async function consumerProject(directory: string, tarball: string): Promise<void> {
  await writeFile(
    join(directory, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  // Zero runtime dependencies, so nothing is fetched from a registry.
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: directory });
  await copyFile(CONSUMER, join(directory, 'consumer.ts'));
  const compilerOptions = {
    strict: true,
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    outDir: 'out',
    // Node's types come from this repository; the project installs nothing but the SDK.
    typeRoots: [join(REPO, 'node_modules', '@types')],
    types: ['node'],
  };
  await writeFile(
    join(directory, 'tsconfig.json'),
    JSON.stringify({ compilerOptions, files: ['consumer.ts'] }),
  );
}

describe('the packed SDK, installed and compiled', () => {
  let work: string;
  let project: string;
  let files: string[];
  // Packing, installing and compiling do not depend on the database: done once, then run on each target.
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'tessera-sdk-package-'));
    const packed = await pack(work);
    files = packed.files;
    project = join(work, 'project');
    await run('mkdir', ['-p', project]);
    await consumerProject(project, packed.tarball);
    await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: project });
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('npm pack ships the compiled code and its types, and no sources or tests', () => {
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/client.js', 'package.json', 'README.md']) {
      assert.ok(files.includes(file), `${file} is missing from the tarball: ${files.join(', ')}`);
    }
    assert.ok(!files.some((file) => file.startsWith('src/') || file.startsWith('test/')), files.join(', '));
  });

  for (const target of databaseTargets()) {
    describe(`a strict TypeScript program using it, against a live Tessera (${target})`, () => {
      let h: Harness;
      before(async () => {
        h = await startHarness(target);
      });
      after(() => h?.close());

      test('creates, reads and lists quotes and bookings through the installed package', async () => {
        const { stdout } = await run(process.execPath, [join(project, 'out', 'consumer.js')], {
          cwd: project,
          env: { ...process.env, TESSERA_URL: h.baseUrl, TESSERA_API_KEY: h.a.keys.test.key },
        });
        const seen = JSON.parse(stdout.trim());
        assert.match(seen.quoteId, /^quo_/);
        assert.equal(seen.readQuoteId, seen.quoteId);
        assert.equal(seen.readBookingStatus, 'confirmed');
        assert.match(seen.price.amount, /^\d+\.\d{2}$/);
        assert.match(seen.requestId, /^req_/);
        assert.ok(seen.listed.includes(seen.bookingId));
        assert.equal(seen.missing, 'resource.not_found');
        const rows = await h.database.db.query<{ id: string }>(
          'SELECT id FROM bookings WHERE quote_id = $1',
          [seen.quoteId],
        );
        assert.deepEqual(
          rows.map((row) => row.id),
          [seen.bookingId],
        );
      });
    });
  }
});
