// The period of an export or a purge, from query or body text. ISO 8601 instants must name their offset
// (Z or ±hh:mm): a local time would mean a different period on every machine. A bare date is midnight UTC.
import { apiError, type ErrorDetail } from '../errors.ts';

const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export function parseInstant(field: string, text: string, details: ErrorDetail[]): Date | undefined {
  const value = INSTANT.test(text) ? new Date(text.length === 10 ? `${text}T00:00:00Z` : text) : undefined;
  if (value === undefined || Number.isNaN(value.getTime())) {
    details.push({
      field,
      message: 'must be an ISO 8601 date or date-time with an offset, e.g. 2025-01-31T00:00:00Z',
    });
    return undefined;
  }
  return value;
}

/** from (required) and to (exclusive; defaults to now), with from before to; else 400 request.invalid. */
export function parsePeriod(query: { from: string; to?: string }, now: number): { from: Date; to: Date } {
  const details: ErrorDetail[] = [];
  const from = parseInstant('from', query.from, details);
  const to = query.to === undefined ? new Date(now) : parseInstant('to', query.to, details);
  if (from && to && from.getTime() >= to.getTime())
    details.push({ field: 'to', message: 'must be after from' });
  if (!from || !to || details.length > 0) throw apiError('request.invalid', { details });
  return { from, to };
}
