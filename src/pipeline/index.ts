// The request pipeline, written once, as data. A route declares its kind; these lists say which stages run
// for that kind and in what order. Stages before the body is read run on `onRequest` (a request that fails
// authentication never has its body parsed); those that need the body run on `preValidation`, after the raw
// bytes are captured and before the schema validates the parsed JSON. Audit runs on `onSend`, for all.
import type { RouteKind } from './context.ts';
import type { Stage } from './stage.ts';

export interface PipelineStages {
  authenticate: Stage;
  partnerIpAllowlist: Stage;
  rateLimit: Stage;
  limitConcurrency: Stage;
  authorizeScope: Stage;
  verifySignature: Stage;
  requireIdempotencyKey: Stage;
  parseJsonBody: Stage;
  adminIpAllowlist: Stage;
  authenticateAdmin: Stage;
  limitUnauthenticated: Stage;
  authorizeStaff: Stage;
}

export interface Pipeline {
  onRequest: readonly Stage[];
  preValidation: readonly Stage[];
}

export function pipelineFor(kind: RouteKind, s: PipelineStages): Pipeline {
  switch (kind) {
    case 'public':
      return { onRequest: [], preValidation: [s.parseJsonBody] };
    case 'read':
      return {
        onRequest: [
          s.limitUnauthenticated,
          s.authenticate,
          s.partnerIpAllowlist,
          s.rateLimit,
          s.limitConcurrency,
          s.authorizeScope,
        ],
        preValidation: [],
      };
    case 'signedWrite':
      return {
        onRequest: [
          s.limitUnauthenticated,
          s.authenticate,
          s.partnerIpAllowlist,
          s.rateLimit,
          s.limitConcurrency,
          s.authorizeScope,
        ],
        preValidation: [s.verifySignature, s.requireIdempotencyKey, s.parseJsonBody],
      };
    case 'admin':
      return {
        onRequest: [s.adminIpAllowlist, s.authenticateAdmin, s.authorizeStaff],
        preValidation: [s.parseJsonBody],
      };
  }
}

export async function runStages(stages: readonly Stage[], ...args: Parameters<Stage>): Promise<void> {
  for (const stage of stages) await stage(...args);
}
