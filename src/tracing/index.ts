// The few places Tessera is traced, as one object app.ts applies: the HTTP hooks, the Database wrapper,
// named pipeline stages and the audit writer. Without an OTLP endpoint every method hands back what it was
// given, so tracing that is off costs nothing per request.
import type { FastifyInstance } from 'fastify';
import type { GroupCommitWriter } from '../audit/group-commit.ts';
import type { Database } from '../db/database.ts';
import type { Stage } from '../pipeline/stage.ts';
import { tracedDatabase } from './database.ts';
import { tracedStage, traceRequests } from './http.ts';
import { startTracing } from './setup.ts';
import { inSpan } from './spans.ts';

export { withUpstreamSpan } from './spans.ts';

type AuditRecorder = Pick<GroupCommitWriter, 'record'>;

export interface Instrumentation {
  /** Installs the request hooks; buildServer runs it before any other hook. */
  server(app: FastifyInstance): void;
  database(db: Database): Database;
  stage(name: string, stage: Stage): Stage;
  audit(writer: AuditRecorder): AuditRecorder;
  shutdown(): Promise<void>;
}

const off: Instrumentation = {
  server: () => {},
  database: (db) => db,
  stage: (_name, stage) => stage,
  audit: (writer) => writer,
  shutdown: async () => {},
};

export function instrumentation(otlpEndpoint: string | undefined): Instrumentation {
  if (otlpEndpoint === undefined) return off;
  const { tracer, shutdown } = startTracing(otlpEndpoint);
  return {
    server: traceRequests(tracer),
    database: (db) => tracedDatabase(db, tracer),
    stage: (name, stage) => tracedStage(tracer, name, stage),
    audit: (writer) => ({
      record: (event) => inSpan(tracer, 'audit record', {}, () => writer.record(event)),
    }),
    shutdown,
  };
}
