// What route modules and jobs receive from the app: storage, configuration, the clock, the logger.
import type { Logger } from 'pino';
import type { GroupCommitWriter } from './audit/group-commit.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { Argon2Cost } from './keys/argon2.ts';

export interface AppDeps {
  readonly db: Database;
  readonly config: Config;
  readonly now: () => number;
  readonly logger: Logger;
  readonly auditWriter: GroupCommitWriter;
  /** What new key secrets are hashed with: ARGON2_COST, except in tests. */
  readonly argon2Cost: Argon2Cost;
}
