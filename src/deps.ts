// What route modules and jobs receive from the app: storage, configuration, the clock, the logger.
import type { Logger } from 'pino';
import type { GroupCommitWriter } from './audit/group-commit.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';

export interface AppDeps {
  readonly db: Database;
  readonly config: Config;
  readonly now: () => number;
  readonly logger: Logger;
  readonly auditWriter: GroupCommitWriter;
}
