// Money is counted in integer minor units (cents) and shown as a decimal string with an ISO 4217 code,
// so no amount ever passes through a binary floating-point value.
export interface Money {
  amount: string;
  currency: string;
}

export function centsToDecimal(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new Error('amount out of range');
  return `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
