// A throwaway PostgreSQL cluster of the test's own, on a free loopback port, so a test can stop and restart
// "the database" without disturbing the shared server other test files use. Uses the machine's PostgreSQL
// binaries; as root it runs them as the postgres user, since PostgreSQL refuses to run as root.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

export interface PrivatePostgres {
  url: string;
  stop(): void;
  start(): void;
  destroy(): void;
}

export function postgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const version = readdirSync(root).sort().at(-1);
  return version ? join(root, version, 'bin') : undefined;
}

export interface PrivatePostgresOptions {
  /** Serve TLS with this certificate and key (PEM), and accept TCP connections over TLS only. */
  tls?: { cert: string; key: string };
}

export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const bin = postgresBinaries();
  if (!bin) throw new Error('PostgreSQL binaries not found');
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(bin, tool);
    const fullArgs = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    execFileSync(command, fullArgs, { stdio: 'ignore', cwd: dir });
  };
  const port = await freePort();
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
  let settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  if (options.tls) settings += ` ${enableTls(dir, data, options.tls, asRoot)}`;
  const start = () => run('pg_ctl', ['-D', data, '-o', settings, '-w', '-l', join(dir, 'log'), 'start']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']),
    start,
    destroy() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes the certificate and key where PostgreSQL accepts them, and allows TCP clients over TLS only. */
function enableTls(dir: string, data: string, tls: { cert: string; key: string }, asRoot: boolean): string {
  const files = {
    cert: join(dir, 'server.crt'),
    key: join(dir, 'server.key'),
    hba: join(data, 'pg_hba.conf'),
  };
  writeFileSync(files.cert, tls.cert);
  writeFileSync(files.key, tls.key);
  writeFileSync(files.hba, 'local all all trust\nhostssl all all 127.0.0.1/32 trust\n');
  chmodSync(files.key, 0o600);
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    for (const file of Object.values(files)) chownSync(file, uid, gid);
  }
  return `-c ssl=on -c ssl_cert_file=${files.cert} -c ssl_key_file=${files.key}`;
}
