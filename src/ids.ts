// Typed ids: every id carries the prefix of its kind, from this one registry (`newId('key')` → `key_…`).
// The random part starts with a millisecond timestamp so ids sort by creation time.
import { randomBase62 } from './crypto.ts';

export const idPrefixes = {
  partner: 'ptn',
  key: 'key',
  quote: 'quo',
  booking: 'bkg',
  event: 'evt',
  user: 'usr',
  session: 'ses',
  request: 'req',
  seal: 'sel',
  approval: 'apr',
} as const;

export type IdKind = keyof typeof idPrefixes;

export function newId(kind: IdKind, now: number = Date.now()): string {
  return `${idPrefixes[kind]}_${now.toString(36).padStart(9, '0')}${randomBase62(14)}`;
}

export function hasIdPrefix(kind: IdKind, value: string): boolean {
  return value.startsWith(`${idPrefixes[kind]}_`) && /^[a-z]{3}_[0-9A-Za-z]{23}$/.test(value);
}
