// Audit log export and verification surfaces (partner API, admin API, public keys).
import type { AppDeps } from '../deps.ts';
import type { Job } from '../jobs.ts';
import type { RouteRegistrar } from '../server.ts';

export function auditRoutes(_deps: AppDeps): RouteRegistrar {
  return () => {};
}

export function auditJobs(_deps: AppDeps): Job[] {
  return [];
}
