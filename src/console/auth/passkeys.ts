// WebAuthn passkeys as an additional second factor (@simplewebauthn/server). The challenge lives on the
// server-side session row, is single use, and the relying party is the configured console URL, never the
// request's Host header.

import type { AuthenticatorTransportFuture } from '@simplewebauthn/server';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { Database } from '../../db/database.ts';
import type { ConsoleUser } from './sessions.ts';

export interface RelyingParty {
  id: string;
  origin: string;
}

export function relyingPartyOf(consoleUrl: string): RelyingParty {
  const url = new URL(consoleUrl);
  return { id: url.hostname, origin: url.origin };
}

export interface StoredPasskey {
  id: string;
  name: string;
  public_key: string;
  counter: string;
  transports: string[];
  created_at: Date;
  last_used_at: Date | null;
}

export async function listPasskeys(db: Database, userId: string): Promise<StoredPasskey[]> {
  return db.query<StoredPasskey>(
    `SELECT id, name, public_key, counter::text, transports, created_at, last_used_at
       FROM console_webauthn_credentials WHERE user_id = $1 ORDER BY created_at`,
    [userId],
  );
}

const toDescriptor = (p: StoredPasskey) => ({
  id: p.id,
  transports: p.transports as AuthenticatorTransportFuture[],
});

export async function registrationOptions(db: Database, rp: RelyingParty, user: ConsoleUser) {
  return generateRegistrationOptions({
    rpName: 'Tessera console',
    rpID: rp.id,
    userName: user.email,
    userID: new TextEncoder().encode(user.id),
    attestationType: 'none',
    excludeCredentials: (await listPasskeys(db, user.id)).map(toDescriptor),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
}

export async function registerPasskey(
  db: Database,
  rp: RelyingParty,
  userId: string,
  challenge: string,
  response: RegistrationResponseJSON,
  name: string,
  now: number,
): Promise<string | undefined> {
  const verification = await verifyRegistrationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.id,
    requireUserVerification: false,
  }).catch(() => undefined);
  if (!verification?.verified || !verification.registrationInfo) return undefined;
  const { credential } = verification.registrationInfo;
  await db.query(
    `INSERT INTO console_webauthn_credentials (id, user_id, name, public_key, counter, transports, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      credential.id,
      userId,
      name,
      Buffer.from(credential.publicKey).toString('base64url'),
      credential.counter,
      credential.transports ?? [],
      new Date(now),
    ],
  );
  return credential.id;
}

export async function authenticationOptions(db: Database, rp: RelyingParty, userId: string) {
  return generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: (await listPasskeys(db, userId)).map(toDescriptor),
    userVerification: 'preferred',
  });
}

/** True when the assertion is valid for one of this user's passkeys (and its counter moves on). */
export async function verifyPasskey(
  db: Database,
  rp: RelyingParty,
  userId: string,
  challenge: string,
  response: AuthenticationResponseJSON,
  now: number,
): Promise<boolean> {
  const stored = (await listPasskeys(db, userId)).find((p) => p.id === response.id);
  if (!stored) return false;
  const verification = await verifyAuthenticationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.id,
    credential: {
      id: stored.id,
      publicKey: new Uint8Array(Buffer.from(stored.public_key, 'base64url')),
      counter: Number(stored.counter),
      transports: stored.transports as AuthenticatorTransportFuture[],
    },
    requireUserVerification: false,
  }).catch(() => undefined);
  if (!verification?.verified) return false;
  await db.query(
    'UPDATE console_webauthn_credentials SET counter = $3, last_used_at = $4 WHERE id = $1 AND user_id = $2',
    [stored.id, userId, verification.authenticationInfo.newCounter, new Date(now)],
  );
  return true;
}

export async function removePasskey(db: Database, userId: string, id: string): Promise<boolean> {
  const rows = await db.query(
    'DELETE FROM console_webauthn_credentials WHERE id = $1 AND user_id = $2 RETURNING id',
    [id, userId],
  );
  return rows.length > 0;
}
