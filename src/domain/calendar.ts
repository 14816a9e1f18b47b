// Calendar dates (YYYY-MM-DD) counted as whole UTC days, so "today" and "within 365 days" mean the same
// thing on every node whatever its local time zone.
const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a YYYY-MM-DD date (already validated by the schema's `date` format). */
export function dayNumber(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

export function today(now: number): number {
  return Math.floor(now / DAY_MS);
}
