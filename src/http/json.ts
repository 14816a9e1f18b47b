// How stored rows are shown: timestamps as ISO 8601 strings, absent values as null.
export function isoOrNull(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
