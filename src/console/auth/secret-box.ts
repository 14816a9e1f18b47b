// Secrets at rest (TOTP seeds) sealed with AES-256-GCM. Each ciphertext names the key that sealed it, so
// keys can rotate: the first configured key seals, every configured key can still open. The user id is
// bound in as associated data, so a ciphertext copied onto another user's row does not open.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, SecretsKey } from '../../config.ts';
import type { Database } from '../../db/database.ts';

export interface Sealed {
  ciphertext: string;
  keyId: string;
}

export class SecretBox {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #current: SecretsKey;

  constructor(keys: readonly SecretsKey[]) {
    const [current] = keys;
    if (!current) throw new Error('SecretBox needs at least one key');
    this.#current = current;
    this.#keys = new Map(keys.map((k) => [k.id, k.key]));
  }

  seal(plaintext: string, associated: string): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#current.key, iv);
    cipher.setAAD(Buffer.from(associated));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'),
      keyId: this.#current.id,
    };
  }

  /** The plaintext, or undefined if the key is unknown or the ciphertext was altered. */
  open(sealed: Sealed, associated: string): string | undefined {
    const key = this.#keys.get(sealed.keyId);
    if (!key) return undefined;
    try {
      const raw = Buffer.from(sealed.ciphertext, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(associated));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

const GENERATED_KEY_ID = 'generated';

/**
 * The configured keys, or a key generated at first start: in a file under the data directory for the
 * embedded database, in a table for PostgreSQL (shared by every node). Production should configure keys.
 */
export async function openSecretBox(config: Config, db: Database): Promise<SecretBox> {
  if (config.secretsKeys.length > 0) return new SecretBox(config.secretsKeys);
  if (db.kind === 'pglite') return new SecretBox([{ id: GENERATED_KEY_ID, key: fileKey(config.dataDir) }]);
  await db.query(
    'INSERT INTO console_secret_keys (id, key_base64) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING',
    [GENERATED_KEY_ID, randomBytes(32).toString('base64')],
  );
  const [row] = await db.query<{ key_base64: string }>(
    'SELECT key_base64 FROM console_secret_keys WHERE id = $1',
    [GENERATED_KEY_ID],
  );
  if (!row) throw new Error('generated secrets key vanished');
  return new SecretBox([{ id: GENERATED_KEY_ID, key: Buffer.from(row.key_base64, 'base64') }]);
}

function fileKey(dataDir: string): Buffer {
  const path = join(dataDir, 'secrets.key');
  if (!existsSync(path)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  chmodSync(path, 0o600);
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${path} does not hold a base64 32-byte key`);
  return key;
}
