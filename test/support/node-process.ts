// Starts Tessera nodes as child processes (tests of SIGKILL, several nodes, restarts) and stops them.
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN } from './harness.ts';

const ENTRY = fileURLToPath(new URL('./serve-entry.ts', import.meta.url));

let keyFile: string | undefined;

/**
 * An audit signing key (Ed25519, PKCS#8 PEM) for test nodes, as TESSERA_AUDIT_SIGNING_KEY_FILE. On
 * PostgreSQL a node without one signs nothing and /readyz answers 503 (signing_keys), as in production.
 * One key per test process, shared by all its nodes like a cluster shares its key file, so they do not
 * rotate each other's key; its temporary directory is removed when the process exits.
 */
export function auditSigningKeyFile(): string {
  if (keyFile) return keyFile;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-audit-key-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'audit-signing-key.pem');
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
  writeFileSync(file, pem, { mode: 0o600 });
  keyFile = file;
  return file;
}

export interface NodeProcess {
  url: string;
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startNode(env: Record<string, string>, timeoutMs = 90_000): Promise<NodeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      TESSERA_ADMIN_TOKEN: ADMIN_TOKEN,
      TESSERA_LOG_LEVEL: 'warn',
      TESSERA_AUDIT_SIGNING_KEY_FILE: auditSigningKeyFile(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('node did not start in time')), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code} before listening`));
    });
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { url?: string };
        if (parsed.url) {
          clearTimeout(timer);
          resolve(parsed.url);
        }
      } catch {
        // a log line, not the announcement
      }
    });
  });
  return {
    url,
    child,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}
