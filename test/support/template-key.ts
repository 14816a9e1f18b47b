// Names a migrated template database after what it holds, so a changed or new migration gets a new one.
import { createHash } from 'node:crypto';
import { loadMigrations } from '../../src/db/migrate.ts';

export function migrationsKey(...extra: string[]): string {
  const hash = createHash('sha256');
  for (const part of extra) hash.update(`${part}\n`);
  for (const migration of loadMigrations()) hash.update(`${migration.version} ${migration.checksum}\n`);
  return hash.digest('hex').slice(0, 16);
}
