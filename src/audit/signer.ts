// The node's audit signing key, loaded once per app (routes and the sealing job share it). Loading it also
// says, once, where it came from: a key generated on the embedded default is fine for a laptop and wrong
// for production, and PostgreSQL without TESSERA_AUDIT_SIGNING_KEY_FILE signs nothing.
import type { AppDeps } from '../deps.ts';
import { loadSigningKey, type SigningKey } from './signing-keys.ts';

export type Signer = () => Promise<SigningKey | undefined>;

const signers = new WeakMap<object, Signer>();

export function signerFor(deps: Pick<AppDeps, 'config' | 'logger' | 'db'>): Signer {
  const known = signers.get(deps.db);
  if (known) return known;
  let loading: Promise<SigningKey | undefined> | undefined;
  const signer: Signer = () => {
    loading ??= loadSigningKey(deps.config).then(({ key, source }) => {
      if (source === 'generated') {
        deps.logger.warn(
          { event: 'audit.signing_key_generated', key_id: key?.keyId },
          'audit signing key generated in the data directory; set TESSERA_AUDIT_SIGNING_KEY_FILE in production',
        );
      } else if (source === 'none') {
        deps.logger.error(
          { event: 'audit.signing_key_missing' },
          'no TESSERA_AUDIT_SIGNING_KEY_FILE: audit tree heads and manifests are not signed',
        );
      }
      return key;
    });
    return loading;
  };
  signers.set(deps.db, signer);
  return signer;
}
