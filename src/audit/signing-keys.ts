// The Ed25519 keys that sign tree heads, seals and export manifests. The private key lives outside the
// database (a superuser who can rewrite the log must not also be able to re-sign it): it is read from
// TESSERA_AUDIT_SIGNING_KEY_FILE (PKCS#8 PEM), or, on the embedded default only, generated into the data
// directory with a warning. Only public halves are stored in audit_signing_keys, with their validity
// periods, so that old keys stay published after a rotation. Public keys are base64 of the DER
// SubjectPublicKeyInfo (RFC 8410) and a key id is derived from those bytes, so anyone can check it.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { sha256Hex } from '../crypto.ts';
import type { Queryable } from '../db/database.ts';
import { isoOrNull } from '../http/json.ts';

export interface PublicSigningKey {
  key_id: string;
  algorithm: 'Ed25519';
  /** base64 of the DER SubjectPublicKeyInfo. */
  public_key: string;
  created_at: string;
  /** The period in which the key may sign (valid_until exclusive; null while it is the current key). */
  valid_from?: string;
  valid_until?: string | null;
}

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  /** base64 SPKI DER of the public half. */
  publicKey: string;
}

export function keyIdOf(spkiDer: Buffer): string {
  return `ed25519-${sha256Hex(spkiDer).slice(0, 16)}`;
}

export function signingKeyFromPem(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the audit signing key is not Ed25519');
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return { keyId: keyIdOf(spki), privateKey, publicKey: spki.toString('base64') };
}

export type KeySource = 'file' | 'generated' | 'none';

/**
 * The key from TESSERA_AUDIT_SIGNING_KEY_FILE; on the embedded default (no DATABASE_URL) one kept in the
 * data directory, created when missing; with PostgreSQL and no file, none: nothing is signed then, rather
 * than a key quietly appearing on one node's disk.
 */
export async function loadSigningKey(
  config: Pick<Config, 'auditSigningKeyFile' | 'databaseUrl' | 'dataDir'>,
): Promise<{ key: SigningKey | undefined; source: KeySource }> {
  if (config.auditSigningKeyFile) {
    return { key: signingKeyFromPem(await readFile(config.auditSigningKeyFile, 'utf8')), source: 'file' };
  }
  if (config.databaseUrl) return { key: undefined, source: 'none' };
  const file = join(config.dataDir, 'audit-signing-key.pem');
  await mkdir(config.dataDir, { recursive: true });
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    await writeFile(file, pem, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
  }
  return { key: signingKeyFromPem(await readFile(file, 'utf8')), source: 'generated' };
}

/**
 * Publishes the public half of the node's key and says whether it may sign at `now`. A key seen for the first
 * time becomes valid now, and every other key still open is closed now: that is a rotation. A key closed by
 * a newer one is `retired` from its close on: a node still running with the old key file during a rolling
 * rotation would sign outside the period the keys document gives the key, and every verifier would refuse
 * the signature. A node whose clock is behind the one that first published its key moves the key's
 * `valid_from` back to its own time, so that its signatures fall inside the key's period.
 */
export async function publishSigningKey(
  db: Queryable,
  key: SigningKey,
  now: Date,
): Promise<'current' | 'retired'> {
  const [known] = await db.query<{ valid_from: Date | string; valid_until: Date | string | null }>(
    'SELECT valid_from, valid_until FROM audit_signing_keys WHERE key_id = $1',
    [key.keyId],
  );
  if (known) {
    if (known.valid_until !== null && now.getTime() >= new Date(known.valid_until).getTime())
      return 'retired';
    if (new Date(known.valid_from).getTime() > now.getTime()) {
      await db.query('UPDATE audit_signing_keys SET valid_from = $2 WHERE key_id = $1 AND valid_from > $2', [
        key.keyId,
        now.toISOString(),
      ]);
    }
    return 'current';
  }
  await db.query(
    `UPDATE audit_signing_keys SET valid_until = $2 WHERE valid_until IS NULL AND key_id <> $1`,
    [key.keyId, now.toISOString()],
  );
  await db.query(
    `INSERT INTO audit_signing_keys (key_id, public_key, created_at, valid_from)
     VALUES ($1, $2, $3, $3) ON CONFLICT (key_id) DO NOTHING`,
    [key.keyId, key.publicKey, now.toISOString()],
  );
  return 'current';
}

/** Publishes the key before it signs something timed `now`, and refuses a retired key (see above). */
export async function publishForSigning(db: Queryable, key: SigningKey, now: Date): Promise<void> {
  if ((await publishSigningKey(db, key, now)) === 'retired') throw new SigningKeyRetiredError(key.keyId);
}

/** Answered as 503 service.unavailable: another node, restarted with the current key, can sign. */
export class SigningKeyRetiredError extends Error {
  constructor(keyId: string) {
    super(
      `audit signing key ${keyId} was retired by a newer key: restart this node with the current ` +
        'TESSERA_AUDIT_SIGNING_KEY_FILE',
    );
  }
}

export async function listPublicKeys(db: Queryable): Promise<PublicSigningKey[]> {
  const rows = await db.query<{
    key_id: string;
    public_key: string;
    created_at: Date | string;
    valid_from: Date | string | null;
    valid_until: Date | string | null;
  }>(
    `SELECT key_id, public_key, created_at, valid_from, valid_until FROM audit_signing_keys
      ORDER BY created_at, key_id`,
  );
  return rows.map((row) => ({
    key_id: row.key_id,
    algorithm: 'Ed25519',
    public_key: row.public_key,
    created_at: isoOrNull(row.created_at) ?? '',
    valid_from: isoOrNull(row.valid_from ?? row.created_at) ?? '',
    valid_until: isoOrNull(row.valid_until),
  }));
}

export function signMessage(key: SigningKey, message: string | Buffer): string {
  return sign(null, Buffer.from(message), key.privateKey).toString('base64');
}

/** Any malformed key or signature is a failed verification, never an exception (as panva/jose does). */
export function verifyMessage(
  publicKey: PublicSigningKey,
  message: string | Buffer,
  signature: string,
): boolean {
  try {
    const spki = Buffer.from(publicKey.public_key, 'base64');
    if (keyIdOf(spki) !== publicKey.key_id) return false;
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    return verify(null, Buffer.from(message), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** Was the key allowed to sign at `at`? A key's validity is what the verifier's trusted key list says. */
export function validAt(key: PublicSigningKey, at: string): boolean {
  const time = Date.parse(at);
  if (Number.isNaN(time)) return false;
  if (key.valid_from && time < Date.parse(key.valid_from)) return false;
  return !(key.valid_until && time >= Date.parse(key.valid_until));
}
