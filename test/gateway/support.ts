// Test support for the gateway: the example upstream (examples/ledger-upstream) as a real process, a gateway
// configuration and an assertion signing key written to a temporary directory, and a key with the gateway's
// scopes on a harness.
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const LEDGER = fileURLToPath(new URL('../../examples/ledger-upstream/server.mjs', import.meta.url));
export const ISSUER = 'https://api.tessera.test';

export interface Ledger {
  url: string;
  child: ChildProcess;
  /** Every JSON line the ledger printed so far. */
  events: Array<Record<string, unknown>>;
  /** Resolves with the first event (already printed or to come) that satisfies `match`. */
  waitFor(match: (event: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startLedger(env: Record<string, string>): Promise<Ledger> {
  const child = spawn(process.execPath, [LEDGER], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return;
    }
    for (const wake of waiters) wake();
  });
  const waitFor = (match: (event: Record<string, unknown>) => boolean, timeoutMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!events.some(match)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error('the ledger did not print the awaited event in time'));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const exited = once(child, 'exit');
  await Promise.race([
    waitFor((event) => typeof event.url === 'string'),
    exited.then(() => Promise.reject(new Error('the ledger exited before listening'))),
  ]);
  const url = String(events.find((event) => typeof event.url === 'string')?.url);
  return {
    url,
    child,
    events,
    waitFor,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface GatewayFiles {
  dir: string;
  configFile: string;
  signingKeyFile: string;
  remove(): void;
}

/** A temporary directory with an Ed25519 signing key and `gateway.yaml` holding `yaml`. */
export function gatewayFiles(yaml: string): GatewayFiles {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-gateway-'));
  const signingKeyFile = join(dir, 'signing-key.pem');
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(signingKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const configFile = join(dir, 'gateway.yaml');
  writeFileSync(configFile, yaml);
  return { dir, configFile, signingKeyFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function ledgerConfig(upstreamUrl: string, extra = ''): string {
  return `upstreams:
  ledger:
    url: ${upstreamUrl}
    timeout_ms: 5000
${extra}routes:
  - path: /v1/accounts/:account_id
    methods: [GET]
    upstream: ledger
    scope: accounts:read
  - path: /v1/statements/big
    methods: [GET]
    upstream: ledger
    scope: accounts:read
  - path: /v1/transfers
    methods: [POST]
    upstream: ledger
    scope: transfers:write
  - path: /v1/echo
    methods: [GET, POST, PUT]
    upstream: ledger
    scope: accounts:read
`;
}
