// Stage: the staff role check on /admin/v1/*. The route declares the permission it needs; a route that
// declares none needs `admin`, so a new route is closed to operators and auditors until it says otherwise.
import { apiError } from '../errors.ts';
import { mayPerform } from '../staff/permissions.ts';
import type { Stage } from './stage.ts';

export const authorizeStaff: Stage = function authorizeStaff(request) {
  const staff = request.tessera.staff;
  const needed = request.routeOptions.config.security?.staff ?? 'admin';
  if (!staff || !mayPerform(staff, needed)) throw apiError('staff.forbidden');
};
