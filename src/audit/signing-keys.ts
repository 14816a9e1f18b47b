// The Ed25519 keys that sign seals. A key is generated on first use and kept in audit_signing_keys; the
// newest one signs. Public keys are published as base64 of the DER-encoded SubjectPublicKeyInfo (RFC 8410),
// and a key's id is derived from those bytes, so anyone holding the public key can check its id.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { sha256Hex } from '../crypto.ts';
import type { Queryable } from '../db/database.ts';
import { isoOrNull } from '../http/json.ts';

export interface PublicSigningKey {
  key_id: string;
  algorithm: 'Ed25519';
  /** base64 of the DER SubjectPublicKeyInfo. */
  public_key: string;
  created_at: string;
}

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
}

export function keyIdOf(spkiDer: Buffer): string {
  return `ed25519-${sha256Hex(spkiDer).slice(0, 16)}`;
}

/** The key that signs new seals; generated and stored when none exists. Call under the seal lock. */
export async function currentSigningKey(tx: Queryable): Promise<SigningKey> {
  const [row] = await tx.query<{ key_id: string; private_key: string }>(
    'SELECT key_id, private_key FROM audit_signing_keys ORDER BY created_at DESC, key_id DESC LIMIT 1',
  );
  if (row) return { keyId: row.key_id, privateKey: createPrivateKey(row.private_key) };
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const keyId = keyIdOf(spki);
  await tx.query('INSERT INTO audit_signing_keys (key_id, public_key, private_key) VALUES ($1, $2, $3)', [
    keyId,
    spki.toString('base64'),
    privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  ]);
  return { keyId, privateKey };
}

export async function listPublicKeys(db: Queryable): Promise<PublicSigningKey[]> {
  const rows = await db.query<{ key_id: string; public_key: string; created_at: Date | string }>(
    'SELECT key_id, public_key, created_at FROM audit_signing_keys ORDER BY created_at, key_id',
  );
  return rows.map((row) => ({
    key_id: row.key_id,
    algorithm: 'Ed25519',
    public_key: row.public_key,
    created_at: isoOrNull(row.created_at) ?? '',
  }));
}

export function signMessage(key: SigningKey, message: string): string {
  return sign(null, Buffer.from(message), key.privateKey).toString('base64');
}

/** Any malformed key or signature is a failed verification, never an exception (as panva/jose does). */
export function verifyMessage(publicKey: PublicSigningKey, message: string, signature: string): boolean {
  try {
    const spki = Buffer.from(publicKey.public_key, 'base64');
    if (keyIdOf(spki) !== publicKey.key_id) return false;
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    return verify(null, Buffer.from(message), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
