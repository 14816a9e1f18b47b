// Quote storage. Every statement is scoped: it runs inside db.scoped(...) (row-level security) and repeats
// the caller's partner and environment in its WHERE clause.
import type { Queryable, Scope } from '../../db/database.ts';
import { isoOrNull } from '../../http/json.ts';
import type { Money } from '../money.ts';
import type { Trip } from './pricing.ts';
import type { Cabin, Quote } from './schemas.ts';

export interface QuoteRow {
  id: string;
  origin: string;
  destination: string;
  departure_date: string;
  return_date: string | null;
  adults: number;
  children: number;
  cabin: Cabin;
  amount: string;
  currency: string;
  created_at: Date | string;
  expires_at: Date | string;
}

// Dates and amounts are read as text: a `date` would otherwise become a local-time Date, and numeric a float.
const QUOTE_COLUMNS = `id, origin, destination, departure_date::text AS departure_date, return_date::text AS return_date,
  adults, children, cabin, amount::text AS amount, currency, created_at, expires_at`;

export interface NewQuote extends Trip {
  id: string;
  price: Money;
  createdAt: Date;
  expiresAt: Date;
}

export async function insertQuote(tx: Queryable, scope: Scope, quote: NewQuote): Promise<QuoteRow> {
  const [row] = await tx.query<QuoteRow>(
    `INSERT INTO quotes (id, partner_id, environment, origin, destination, departure_date, return_date, adults,
       children, cabin, amount, currency, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     RETURNING ${QUOTE_COLUMNS}`,
    [
      quote.id,
      scope.partnerId,
      scope.environment,
      quote.origin,
      quote.destination,
      quote.departureDate,
      quote.returnDate,
      quote.adults,
      quote.children,
      quote.cabin,
      quote.price.amount,
      quote.price.currency,
      quote.createdAt.toISOString(),
      quote.expiresAt.toISOString(),
    ],
  );
  if (!row) throw new Error('quote insert returned no row');
  return row;
}

export async function findQuote(tx: Queryable, scope: Scope, id: string): Promise<QuoteRow | undefined> {
  const [row] = await tx.query<QuoteRow>(
    `SELECT ${QUOTE_COLUMNS} FROM quotes WHERE partner_id = $1 AND environment = $2 AND id = $3`,
    [scope.partnerId, scope.environment, id],
  );
  return row;
}

export function showQuote(row: QuoteRow): Quote {
  return {
    id: row.id,
    origin: row.origin,
    destination: row.destination,
    departure_date: row.departure_date,
    return_date: row.return_date,
    passengers: { adults: row.adults, children: row.children },
    cabin: row.cabin,
    price: { amount: row.amount, currency: row.currency },
    created_at: isoOrNull(row.created_at) ?? '',
    expires_at: isoOrNull(row.expires_at) ?? '',
  };
}
