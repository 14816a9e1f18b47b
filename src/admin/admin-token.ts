// The staff admin token. Given by TESSERA_ADMIN_TOKEN, or generated at first start, printed once, and
// stored only as SHA-256 (it is 256 random bits, so a fast hash is enough to make the stored form useless).
import { constantTimeEqual, randomToken, sha256Hex } from '../crypto.ts';
import type { Database } from '../db/database.ts';
import { newId } from '../ids.ts';

export interface AdminTokenCheck {
  verify(presented: string): boolean;
}

export interface AdminTokenSetup {
  check: AdminTokenCheck;
  /** The token generated at this start, to be shown once; undefined when one already existed. */
  generated: string | undefined;
}

export async function setUpAdminToken(
  db: Database,
  configured: string | undefined,
): Promise<AdminTokenSetup> {
  if (configured !== undefined) {
    const expected = sha256Hex(configured);
    return {
      check: { verify: (presented) => constantTimeEqual(sha256Hex(presented), expected) },
      generated: undefined,
    };
  }
  let generated: string | undefined;
  const digests = await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7362514091)');
    const rows = await tx.query<{ token_sha256: string }>('SELECT token_sha256 FROM admin_tokens');
    if (rows.length > 0) return rows.map((row) => row.token_sha256);
    generated = `tsa_${randomToken(32)}`;
    const digest = sha256Hex(generated);
    await tx.query('INSERT INTO admin_tokens (id, token_sha256) VALUES ($1, $2)', [newId('key'), digest]);
    return [digest];
  });
  return {
    check: {
      verify(presented) {
        const digest = sha256Hex(presented);
        let match = false;
        for (const expected of digests) match = constantTimeEqual(digest, expected) || match;
        return match;
      },
    },
    generated,
  };
}
