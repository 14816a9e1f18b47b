// A staff member's personal tokens from `tessera login`, kept in ~/.config/tessera/credentials.json
// (or $XDG_CONFIG_HOME/tessera/…). The file is created with mode 0600 in a 0700 directory, and rewritten
// through a temporary file so a crash never leaves half a token behind.
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StoredCredentials {
  issuer: string;
  access_token: string;
  /** Epoch milliseconds. */
  expires_at: number;
  refresh_token?: string;
  subject?: string;
  email?: string;
}

/** Where the credentials live; undefined when neither XDG_CONFIG_HOME nor HOME says where home is. */
export function credentialsPath(env: Record<string, string | undefined>): string | undefined {
  const xdg = env.XDG_CONFIG_HOME?.trim();
  const home = env.HOME?.trim();
  if (!xdg && !home) return undefined;
  return join(xdg || join(home ?? '', '.config'), 'tessera', 'credentials.json');
}

function requirePath(env: Record<string, string | undefined>): string {
  const path = credentialsPath(env);
  if (path === undefined) throw new Error('HOME is not set, so there is nowhere to keep the credentials');
  return path;
}

export function saveCredentials(
  env: Record<string, string | undefined>,
  credentials: StoredCredentials,
): string {
  const path = requirePath(env);
  const dir = join(path, '..');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: 'w' });
  chmodSync(temporary, 0o600); // a file left by an earlier crash keeps its old mode otherwise
  renameSync(temporary, path);
  return path;
}

/** The stored credentials, or undefined when there are none or they cannot be read. */
export function loadCredentials(env: Record<string, string | undefined>): StoredCredentials | undefined {
  const path = credentialsPath(env);
  if (path === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const stored = value as Partial<StoredCredentials>;
    if (typeof stored.access_token !== 'string' || typeof stored.expires_at !== 'number') return undefined;
    if (typeof stored.issuer !== 'string') return undefined;
    return stored as StoredCredentials;
  } catch {
    return undefined;
  }
}

export function removeCredentials(env: Record<string, string | undefined>): boolean {
  const path = credentialsPath(env);
  if (path === undefined) return false;
  try {
    rmSync(path);
    return true;
  } catch {
    return false;
  }
}
