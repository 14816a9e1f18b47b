// The one-time flash behind Post/Redirect/Get: a POST stores what the next page must show (a new key's
// secret, recovery codes, a confirmation) on the session, sealed, and redirects; the page it redirects to
// takes it, which clears it in the same statement. A reload therefore neither repeats the change nor shows
// the secret again, and no secret ever travels in a URL.
import type { Database } from '../db/database.ts';
import type { SecretBox } from './auth/secret-box.ts';
import type { ConsoleSession } from './auth/sessions.ts';

export type Flash =
  | { kind: 'notice'; text: string }
  | { kind: 'key_issued'; verb: 'created' | 'regenerated'; prefix: string; key: string }
  | { kind: 'key_rolled'; prefix: string; key: string; oldPrefix: string; oldExpiresAt: string }
  | { kind: 'recovery_codes'; codes: string[] };

/** Bound into the ciphertext, so a flash copied onto another session's row does not open. */
const associated = (session: Pick<ConsoleSession, 'idSha256'>) => `flash:${session.idSha256}`;

export async function setFlash(
  db: Database,
  box: SecretBox,
  session: Pick<ConsoleSession, 'idSha256'>,
  flash: Flash,
): Promise<void> {
  const sealed = box.seal(JSON.stringify(flash), associated(session));
  await db.query(
    'UPDATE console_sessions SET flash_ciphertext = $2, flash_key_id = $3 WHERE id_sha256 = $1',
    [session.idSha256, sealed.ciphertext, sealed.keyId],
  );
}

/** The pending flash, cleared as it is read (two concurrent reads cannot both get it). */
export async function takeFlash(
  db: Database,
  box: SecretBox,
  session: Pick<ConsoleSession, 'idSha256'>,
): Promise<Flash | undefined> {
  const [row] = await db.query<{ flash_ciphertext: string; flash_key_id: string }>(
    `UPDATE console_sessions s SET flash_ciphertext = NULL, flash_key_id = NULL
       FROM (SELECT id_sha256, flash_ciphertext, flash_key_id FROM console_sessions
              WHERE id_sha256 = $1 AND flash_ciphertext IS NOT NULL FOR UPDATE) old
      WHERE s.id_sha256 = old.id_sha256
     RETURNING old.flash_ciphertext, old.flash_key_id`,
    [session.idSha256],
  );
  if (!row) return undefined;
  const plain = box.open({ ciphertext: row.flash_ciphertext, keyId: row.flash_key_id }, associated(session));
  return plain === undefined ? undefined : (JSON.parse(plain) as Flash);
}
