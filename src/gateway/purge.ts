// Housekeeping: completed gateway write records are kept 24 hours, like the built-in ones (jobs.ts).
// A claim whose lease ran out is taken over by the partner's retry; one never retried goes after a day too.
import type { Database } from '../db/database.ts';
import type { Job } from '../jobs.ts';

export function purgeGatewayRecords(db: Database): Job {
  return {
    name: 'purge-gateway-records',
    everyMs: 60_000,
    async run() {
      await db.query(
        `DELETE FROM gateway_idempotency WHERE created_at < now() - interval '24 hours' AND (state = 'completed' OR lease_until < now())`,
      );
    },
  };
}
