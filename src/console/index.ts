// The partner console.
import type { AppDeps } from '../deps.ts';
import type { Job } from '../jobs.ts';
import type { RouteRegistrar } from '../server.ts';

export function consoleRoutes(_deps: AppDeps): RouteRegistrar {
  return () => {};
}

export function consoleJobs(_deps: AppDeps): Job[] {
  return [];
}
