// The period of an export or a purge, from query or body text. ISO 8601 instants must name their offset
// (Z or ±hh:mm): a local time would mean a different period on every machine. A bare date is midnight UTC.
import { apiError, type ErrorDetail } from '../errors.ts';

const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export function parseInstant(field: string, text: string, details: ErrorDetail[]): Date | undefined {
  const value = INSTANT.test(text) ? new Date(text.length === 10 ? `${text}T00:00:00Z` : text) : undefined;
  if (value === undefined || Number.isNaN(value.getTime()) || !isCalendarInstant(text, value)) {
    details.push({
      field,
      message: 'must be an ISO 8601 date or date-time with an offset, e.g. 2025-01-31T00:00:00Z',
    });
    return undefined;
  }
  return value;
}

/**
 * JavaScript rolls 2026-02-30 over to March 2 and accepts year 0 and hour 24; PostgreSQL does not, so a
 * query would fail (or silently mean another day). The text's own fields must be a real instant in
 * years 0001-9999.
 */
function isCalendarInstant(text: string, value: Date): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const hour = text.length > 10 ? Number(text.slice(11, 13)) : 0;
  const minute = text.length > 10 ? Number(text.slice(14, 16)) : 0;
  const second = text.length > 16 && text[16] === ':' ? Number(text.slice(17, 19)) : 0;
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate();
  const leapOk = month !== 2 || day <= 28 || (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0));
  const dateOk = year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && leapOk;
  return dateOk && hour <= 23 && minute <= 59 && second <= 59 && value.getUTCFullYear() >= 1;
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
