// The container image's layout, built without a container daemon: the app as `npm pack` ships it,
// installed with production dependencies only (pinned by the lockfile), in a folder the server cannot
// write, started as an unprivileged user with its data on a separate writable "volume", the way the
// Dockerfile runs it.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { send } from '../support/client.ts';
import { ADMIN_TOKEN } from '../support/harness.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const asRoot = process.getuid?.() === 0;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
// Tessera behind a TLS-terminating proxy, as in the image: the proxy (here, the test) says https.
const viaProxy = { 'x-forwarded-proto': 'https' };

describe('the packed app, installed with production dependencies only, run unprivileged', () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-install-'));
  const app = join(root, 'app');
  const data = join(root, 'data');
  let files: string[] = [];
  let child: ChildProcess | undefined;
  let url = '';

  before(() => {
    chmodSync(root, 0o755);
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], {
        cwd: REPO,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as Array<{ filename: string; files: Array<{ path: string }> }>;
    assert.ok(packed);
    files = packed.files.map((file) => file.path);
    mkdirSync(app);
    execFileSync('tar', ['-xzf', join(root, packed.filename), '-C', app, '--strip-components=1']);
    copyFileSync(join(REPO, 'package-lock.json'), join(app, 'package-lock.json'));
    execFileSync(
      'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
      { cwd: app, stdio: 'ignore' },
    );
    execFileSync('chmod', ['-R', 'a-w', app]);
    mkdirSync(data);
    if (asRoot) chownSync(data, uidOf('nobody'), gidOf('nobody'));
  });
  after(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    execFileSync('chmod', ['-R', 'u+w', root]);
    rmSync(root, { recursive: true, force: true });
  });

  test('the package holds the compiled build and no sources or tests', () => {
    assert.ok(files.includes('bin/tessera.js'));
    assert.ok(files.includes('dist/cli/main.js'));
    assert.ok(files.includes('dist/src/db/migrations/001_core.sql'));
    assert.ok(files.includes('dist/src/probes/routes.js'), 'the build is current (npm run build)');
    assert.deepEqual(
      files.filter((file) => /^(src|test|cli|bench)\//.test(file) || file.endsWith('.ts')),
      [],
    );
    assert.match(readFileSync(join(app, 'bin/tessera.js'), 'utf8'), /\.\.\/dist\/cli\/main\.js/);
    for (const devOnly of ['typescript', 'tsx', '@biomejs/biome', 'kubernetes-models']) {
      assert.equal(existsSync(join(app, 'node_modules', devOnly)), false, `${devOnly} is not installed`);
    }
  });

  test(
    asRoot
      ? 'runs as nobody from a read-only folder: /readyz and an authenticated request'
      : 'runs from the installed folder',
    async (t) => {
      if (!asRoot)
        t.diagnostic('not root: the unprivileged-user part is skipped; the process runs as the current user');
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: data,
        HOST: '0.0.0.0',
        PORT: '0',
        TESSERA_DATA_DIR: data,
        TESSERA_ADMIN_TOKEN: ADMIN_TOKEN,
        TESSERA_TRUSTED_PROXIES: '127.0.0.1/32',
        TESSERA_LOG_LEVEL: 'warn',
        TESSERA_SHUTDOWN_DELAY_MS: '0',
      };
      const serve = [join(app, 'bin/tessera.js'), 'serve', '--json'];
      const command = asRoot ? 'setpriv' : process.execPath;
      const args = asRoot
        ? ['--reuid=nobody', `--regid=${gidOf('nobody')}`, '--clear-groups', process.execPath, ...serve]
        : serve;
      const started = spawn(command, args, { cwd: data, env, stdio: ['ignore', 'pipe', 'inherit'] });
      child = started;
      url = (await announcedUrl(started)).replace('0.0.0.0', '127.0.0.1');
      if (asRoot) assert.equal(uidOfProcess(started.pid ?? 0), uidOf('nobody'));

      const ready = await send(url, '/readyz');
      assert.equal(ready.status, 200, ready.text);
      assert.equal((await send(url, '/v1/me', { headers: { authorization: 'Bearer x' } })).status, 403);

      const partner = await send(url, '/admin/v1/partners', {
        method: 'POST',
        headers: { ...admin, ...viaProxy },
        body: JSON.stringify({ name: 'Install layout' }),
      });
      assert.equal(partner.status, 201, partner.text);
      const key = await send(url, `/admin/v1/partners/${partner.body.id}/keys`, {
        method: 'POST',
        headers: { ...admin, ...viaProxy },
        body: JSON.stringify({ environment: 'test' }),
      });
      assert.equal(key.status, 201, key.text);
      const me = await send(url, '/v1/me', {
        headers: { authorization: `Bearer ${key.body.key}`, ...viaProxy },
      });
      assert.equal(me.status, 200, me.text);

      const exited = once(started, 'exit');
      started.kill('SIGTERM');
      assert.deepEqual(await exited, [0, null], 'SIGTERM: a clean exit');
    },
  );
});

async function announcedUrl(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const deadline = setTimeout(() => child.kill('SIGKILL'), 120_000);
  try {
    for await (const line of lines) {
      // `serve --json` prints one indented JSON object; the url is on a line of its own.
      const url = /^\s*"url": "(http[^"]+)"/.exec(line)?.[1];
      if (url) return url;
    }
  } finally {
    clearTimeout(deadline);
  }
  throw new Error('the server exited before announcing its URL');
}

const uidOf = (user: string) => Number(execFileSync('id', ['-u', user]).toString().trim());
const gidOf = (user: string) => Number(execFileSync('id', ['-g', user]).toString().trim());

function uidOfProcess(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Uid:'));
  return Number(line?.split(/\s+/)[1]);
}
