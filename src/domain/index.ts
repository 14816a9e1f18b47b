// The reference travel domain: quotes and bookings.
import type { AppDeps } from '../deps.ts';
import type { RouteRegistrar } from '../server.ts';

export function domainRoutes(_deps: AppDeps): RouteRegistrar {
  return () => {};
}
