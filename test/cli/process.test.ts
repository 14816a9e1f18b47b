// The CLI as a user runs it: a separate node process, its real stdout, stderr, exit code and signals.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createPostgresDatabase, databaseTargets, dropPostgresDatabase } from '../support/database.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from '../support/harness.ts';
import { cliRunner } from './run-cli.ts';

const ENTRY = fileURLToPath(new URL('../../cli/entry.ts', import.meta.url));
const run = promisify(execFile);
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill('SIGKILL');
});

for (const target of databaseTargets()) {
  describe(`tessera as a child process (${target})`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(target);
    });
    after(() => h?.close());

    test('partner list --json prints one JSON object with the partners, and exits 0', async () => {
      const { stdout, stderr } = await run(
        process.execPath,
        ['--import', 'tsx', ENTRY, 'partner', 'list', '--json'],
        {
          env: { PATH: process.env.PATH, TESSERA_URL: h.baseUrl, TESSERA_ADMIN_TOKEN: ADMIN_TOKEN },
        },
      );
      assert.equal(stderr, '');
      assert.ok(!stdout.includes(ADMIN_TOKEN));
      const body = JSON.parse(stdout) as { data: Array<{ id: string }> };
      assert.deepEqual(
        body.data.map((partner) => partner.id),
        [h.a.id, h.b.id],
      );
    });

    test('a wrong token exits 1 with the error as JSON on stderr', async () => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', ENTRY, 'key', 'list', '--partner', h.a.id, '--json'],
        {
          env: {
            PATH: process.env.PATH,
            TESSERA_URL: h.baseUrl,
            TESSERA_ADMIN_TOKEN: 'not-the-token-0123456789',
          },
        },
      );
      const [stdout, stderr, [code]] = await Promise.all([
        text(child.stdout),
        text(child.stderr),
        once(child, 'exit'),
      ]);
      assert.equal(code, 1);
      assert.equal(stdout, '');
      assert.equal(JSON.parse(stderr).error.code, 'admin.token.invalid');
    });
  });

  describe(`tessera serve (${target})`, () => {
    let dataDir: string;
    let databaseUrl: string | undefined;
    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'tessera-serve-'));
      databaseUrl = target === 'postgres' ? await createPostgresDatabase() : undefined;
    });
    after(async () => {
      await rm(dataDir, { recursive: true, force: true });
      if (databaseUrl) await dropPostgresDatabase(databaseUrl);
    });

    test('prints where it listens and a generated admin token once, and closes on SIGTERM', async () => {
      const first = await startServe(dataDir, databaseUrl, { expectToken: true });
      const token = first.output.match(/^ {2}(tsa_\S+)$/m)?.[1] ?? '';
      assert.match(first.output, /shown this once and stored\nonly as a hash/);
      assert.ok(token.length > 20, first.output);

      const tessera = cliRunner({ TESSERA_URL: first.url, TESSERA_ADMIN_TOKEN: token });
      const list = await tessera('partner', 'list', '--json');
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(JSON.parse(list.stdout), { data: [] });
      assert.equal(await first.stop('SIGTERM'), 0);

      const second = await startServe(dataDir, databaseUrl, { expectToken: false });
      assert.ok(!second.output.includes(token), 'the token is shown only at the start that generated it');
      assert.ok(!second.output.includes('admin token was generated'));
      assert.equal(await second.stop('SIGINT'), 0);
    });
  });
}

describe('tessera serve with a bad configuration', () => {
  for (const [name, env, message] of [
    ['an invalid PORT', { PORT: 'eighty' }, /^error: config\.invalid: PORT must be an integer/],
    [
      'plain HTTP on a public address',
      { HOST: '0.0.0.0' },
      /^error: config\.invalid: Refusing to serve plain HTTP/,
    ],
  ] as const) {
    test(`${name} prints the message, no stack, and exits 1`, async () => {
      const result = await cliRunner({ TESSERA_LOG_LEVEL: 'silent', ...env })('serve');
      assert.equal(result.code, 1);
      assert.match(result.stderr, message);
      assert.ok(!/\n\s+at /.test(result.stderr), 'no stack trace');
      assert.equal(result.stdout, '');
    });
  }
});

interface ServeProcess {
  url: string;
  /** Everything printed up to the announcement (and the token notice, when there is one). */
  output: string;
  /** Sends `signal` and resolves to the exit code, or the signal that killed the process. */
  stop(signal: NodeJS.Signals): Promise<number | NodeJS.Signals | null>;
}

async function startServe(
  dataDir: string,
  databaseUrl: string | undefined,
  { expectToken }: { expectToken: boolean },
): Promise<ServeProcess> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOST: '127.0.0.1',
    PORT: '0',
    TESSERA_DATA_DIR: dataDir,
    TESSERA_LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'serve'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = once(child, 'exit');
  child.once('exit', () => children.delete(child));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tessera serve did not start:\n${output}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`tessera serve exited with ${code}:\n${output}`)));
    createInterface({ input: stdoutOf(child) }).on('line', (line) => {
      output += `${line}\n`;
      const announced = output.match(/^Tessera listening on (\S+)$/m)?.[1];
      // The announcement and the token notice are one write; with a token, wait for the notice's last line.
      if (announced && (!expectToken || /reads it from/.test(line))) {
        clearTimeout(timer);
        resolve(announced);
      }
    });
  });
  return {
    url,
    output,
    async stop(signal) {
      child.kill(signal);
      const [code, killedBy] = (await exited) as [number | null, NodeJS.Signals | null];
      return code ?? killedBy;
    },
  };
}

function stdoutOf(child: ChildProcess): NodeJS.ReadableStream {
  if (!child.stdout) throw new Error('child stdout is not piped');
  return child.stdout;
}

async function text(stream: NodeJS.ReadableStream | null): Promise<string> {
  let result = '';
  for await (const chunk of stream ?? []) result += String(chunk);
  return result;
}
