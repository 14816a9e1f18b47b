// Stage: JSON parsing, after the signature is checked over the raw bytes, so the handler reads exactly
// the bytes that were signed. Bodies that are not UTF-8 JSON get request.malformed_json.
import { apiError } from '../errors.ts';
import type { Stage } from './stage.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export const parseJsonBody: Stage = function parseJsonBody(request) {
  const raw = request.rawBody;
  if (raw === undefined || request.routeOptions.config.security?.body === 'raw') return;
  try {
    request.body = JSON.parse(utf8.decode(raw));
  } catch {
    throw apiError('request.malformed_json');
  }
};
