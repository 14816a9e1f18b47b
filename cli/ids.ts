// Ids on the command line are checked before anything is sent, with a message a person can act on: which
// kind of id was expected and what one looks like, never the pattern that checks it.
import { hasIdPrefix, type IdKind, idPrefixes } from '../src/ids.ts';
import { UsageError } from './args.ts';

/** Flags whose value is always an id of one kind, wherever they appear. */
export const ID_FLAGS: Readonly<Record<string, IdKind>> = { partner: 'partner' };

// The shape of a real id (a base-36 time, then random base-62), with its kind's prefix in front.
const EXAMPLE_BODY = '0mhx2c1k9Qe3Zr8Tb5Wn7Ya';

/** The id, trimmed, or a UsageError naming the kind expected, with an example. */
export function checkId(kind: IdKind, label: string, raw: string): string {
  const value = raw.trim();
  if (hasIdPrefix(kind, value)) return value;
  const example = `${idPrefixes[kind]}_${EXAMPLE_BODY}`;
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  throw new UsageError(
    `${label} must be a ${kind} id: "${idPrefixes[kind]}_" then 23 letters or digits, e.g. ${example} (got "${shown}")`,
  );
}

/** Checks every id flag the command line carries, so no command can forget one. */
export function checkIdFlags(flag: (name: string) => string | undefined): void {
  for (const [name, kind] of Object.entries(ID_FLAGS)) {
    const value = flag(name);
    if (value !== undefined) checkId(kind, `--${name}`, value);
  }
}
