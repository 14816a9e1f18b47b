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
      const token = first.stderr().match(/^ {2}(tsa_\S+)$/m)?.[1] ?? '';
      assert.match(first.stderr(), /shown this once and stored\nonly as a hash/);
      assert.ok(token.length > 20, first.stderr());

      const tessera = cliRunner({ TESSERA_URL: first.url, TESSERA_ADMIN_TOKEN: token });
      const list = await tessera('partner', 'list', '--json');
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(JSON.parse(list.stdout), { data: [] });
      assert.equal(await first.stop('SIGTERM'), 0);
      assertJsonLogStream(first.stdout(), token);

      const second = await startServe(dataDir, databaseUrl, { expectToken: false });
      const shown = second.stdout() + second.stderr();
      assert.ok(!shown.includes(token), 'the token is shown only at the start that generated it');
      assert.ok(!shown.includes('admin token was generated'));
      assert.equal(await second.stop('SIGINT'), 0);
    });

    test('the banner names the address actually bound: HOST=0.0.0.0 says 0.0.0.0', async () => {
      const serve = await startServe(dataDir, databaseUrl, {
        expectToken: false,
        env: { HOST: '0.0.0.0', TESSERA_TRUSTED_PROXIES: '127.0.0.1/32' },
      });
      assert.match(serve.url, /^http:\/\/0\.0\.0\.0:\d+$/);
      assert.equal(await serve.stop('SIGTERM'), 0);
    });
  });
}

/** stdout is a JSON log stream: every line parses, the request id has one name, no token is in it. */
function assertJsonLogStream(stdout: string, token: string): void {
  const lines = stdout.split('\n').filter(Boolean);
  assert.ok(lines.length >= 2, stdout);
  for (const line of lines) {
    const entry = JSON.parse(line) as Record<string, unknown>;
    assert.ok(!('reqId' in entry) && !('req_id' in entry), `another request-id name: ${line}`);
  }
  const requests = lines.map((l) => JSON.parse(l)).filter((e) => e.msg === 'request');
  assert.ok(requests.length >= 1 && requests.every((e) => /^req_/.test(String(e.request_id))), stdout);
  assert.ok(!stdout.includes(token), 'the admin token is not in the log stream');
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
  /** Everything printed so far on each stream. */
  stdout(): string;
  stderr(): string;
  /** Sends `signal` and resolves to the exit code, or the signal that killed the process. */
  stop(signal: NodeJS.Signals): Promise<number | NodeJS.Signals | null>;
}

async function startServe(
  dataDir: string,
  databaseUrl: string | undefined,
  { expectToken, env: extra = {} }: { expectToken: boolean; env?: Record<string, string> },
): Promise<ServeProcess> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOST: '127.0.0.1',
    PORT: '0',
    TESSERA_DATA_DIR: dataDir,
    TESSERA_LOG_LEVEL: 'info',
    // SIGTERM still drains and closes; the 5 s default wait for balancers is timed in
    // test/deploy/rolling-restart.test.ts, and would only add 10 s of sleep per target here.
    TESSERA_SHUTDOWN_DELAY_MS: '0',
    DATABASE_URL: databaseUrl,
    ...extra,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'serve'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = once(child, 'exit');
  child.once('exit', () => children.delete(child));
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`tessera serve did not start:\n${stdout}${stderr}`)),
      180_000,
    );
    child.once('exit', (code) => reject(new Error(`tessera serve exited with ${code}:\n${stdout}${stderr}`)));
    let announced: string | undefined;
    const ready = () => {
      // With a token, the notice on stderr follows the banner; wait for its last line.
      if (announced && (!expectToken || /reads it from/.test(stderr))) {
        clearTimeout(timer);
        resolve(announced);
      }
    };
    child.stderr?.on('data', ready);
    createInterface({ input: stdoutOf(child) }).on('line', (line) => {
      stdout += `${line}\n`;
      const entry = JSON.parse(line) as { event?: string; url?: string };
      if (entry.event === 'server.listening') announced = entry.url;
      ready();
    });
  });
  return {
    url,
    stdout: () => stdout,
    stderr: () => stderr,
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
