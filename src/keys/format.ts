// The API key format of the seed: sk_(live|test)_<8-character prefix>_<48-character secret>.
// The prefix identifies the key and is stored in clear; the secret is shown once and stored only as Argon2id.
import { randomBase62 } from '../crypto.ts';
import type { Environment } from '../db/database.ts';

export const PREFIX_LENGTH = 8;
export const SECRET_LENGTH = 48;
const PREFIX_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const BEARER_PATTERN = /^Bearer sk_(live|test)_([A-Za-z0-9]{8})_([A-Za-z0-9]{48})$/;

export interface PresentedKey {
  readonly environment: Environment;
  readonly prefix: string;
  readonly secret: string;
}

export type BearerParse = { kind: 'missing' } | { kind: 'malformed' } | { kind: 'key'; key: PresentedKey };

export function parseBearer(header: string | undefined): BearerParse {
  if (header === undefined || header === '') return { kind: 'missing' };
  const match = BEARER_PATTERN.exec(header);
  if (!match) return { kind: 'malformed' };
  const [, environment, prefix, secret] = match as unknown as [string, Environment, string, string];
  return { kind: 'key', key: { environment, prefix, secret } };
}

export function newPrefix(): string {
  return randomBase62(PREFIX_LENGTH, PREFIX_ALPHABET);
}

export function newSecret(): string {
  return randomBase62(SECRET_LENGTH);
}

export function formatKey(environment: Environment, prefix: string, secret: string): string {
  return `sk_${environment}_${prefix}_${secret}`;
}
