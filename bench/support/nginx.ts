// nginx (Debian's package) as a plain reverse proxy for bench/gateway: a private configuration and prefix
// in a temporary directory, in the foreground, as a child of the benchmark (no system daemon), one worker
// pinned like a Tessera node, keep-alive to the upstream like Tessera's pool. No authentication at all.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/support/ports.ts';

export interface Nginx {
  url: string;
  version: string;
  close(): Promise<void>;
}

export function nginxBinary(): string | undefined {
  for (const candidate of ['/usr/sbin/nginx', 'nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

export async function startNginx(
  binary: string,
  upstreamPort: number,
  connections: number,
  wrap: (c: string, a: string[]) => { command: string; args: string[] },
): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-nginx-'));
  mkdirSync(join(dir, 'tmp'));
  mkdirSync(join(dir, 'logs'));
  const port = await freePort();
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
    (name) => `${name}_temp_path ${join(dir, 'tmp', name)};`,
  );
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
master_process off;
error_log ${join(dir, 'logs', 'error.log')} warn;
pid ${join(dir, 'nginx.pid')};
events { worker_connections 4096; }
http {
  access_log off;
  ${temp.join('\n  ')}
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive ${connections}; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`,
  );
  const version = spawnSync(binary, ['-v'], { encoding: 'utf8' }).stderr; // nginx -v prints on stderr
  const { command, args } = wrap(binary, ['-p', dir, '-c', join(dir, 'nginx.conf')]);
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await untilListening(url, child);
  return {
    url,
    version: version.trim(),
    async close() {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function untilListening(url: string, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error('nginx exited at start');
    try {
      await (await fetch(url)).arrayBuffer();
      return;
    } catch {
      if (performance.now() > deadline) throw new Error('nginx did not start listening');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
