// Stage: the key's permissions. A route names the scope it needs; a key without it gets 403.
import { apiError } from '../errors.ts';
import type { Stage } from './stage.ts';

export const authorizeScope: Stage = function authorizeScope(request) {
  const needed = request.routeOptions.config.security?.scope;
  const key = request.tessera.key;
  if (!key) throw new Error('authorizeScope ran before authentication');
  if (needed && !key.scopes.includes(needed)) throw apiError('auth.permission.denied');
};
