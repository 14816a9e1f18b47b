// Stage: staff authentication on /admin/v1/* with the admin bearer token, compared in constant time.

import type { AdminTokenCheck } from '../admin/admin-token.ts';
import { apiError } from '../errors.ts';
import type { Stage } from './stage.ts';

export function authenticateAdmin(tokens: AdminTokenCheck): Stage {
  return function authenticateAdmin(request) {
    const header = request.headers.authorization;
    if (header === undefined || header === '') throw apiError('admin.token.missing');
    const match = /^Bearer (\S{1,512})$/.exec(header);
    if (!match?.[1] || !tokens.verify(match[1])) throw apiError('admin.token.invalid');
    request.tessera.admin = true;
  };
}
