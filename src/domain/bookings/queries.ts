// Booking storage. Every statement runs inside db.scoped(...) (row-level security) and repeats the caller's
// partner and environment in its WHERE clause.
import type { Queryable, Scope } from '../../db/database.ts';
import { apiError } from '../../errors.ts';
import { isoOrNull } from '../../http/json.ts';
import type { Booking, Traveller } from './schemas.ts';

interface BookingRow {
  id: string;
  quote_id: string;
  status: 'confirmed' | 'cancelled';
  travellers: Traveller[] | string;
  contact_email: string;
  reference: string | null;
  amount: string;
  currency: string;
  created_at: Date | string;
  cancelled_at: Date | string | null;
}

const BOOKING_COLUMNS = `id, quote_id, status, travellers, contact_email, reference, amount::text AS amount, currency,
  created_at, cancelled_at`;

const UNIQUE_VIOLATION = '23505';

export interface NewBooking {
  id: string;
  quoteId: string;
  travellers: Traveller[];
  email: string;
  reference: string | null;
  amount: string;
  currency: string;
  createdAt: Date;
}

/**
 * Books a quote. The UNIQUE (quote_id) constraint is what makes "book once" hold under concurrency: two
 * requests racing for one quote both pass any earlier check, and the loser's insert fails here.
 */
export async function insertBooking(tx: Queryable, scope: Scope, booking: NewBooking): Promise<Booking> {
  try {
    const [row] = await tx.query<BookingRow>(
      `INSERT INTO bookings (id, partner_id, environment, quote_id, status, travellers, contact_email, reference,
         amount, currency, created_at)
       VALUES ($1, $2, $3, $4, 'confirmed', $5::jsonb, $6, $7, $8, $9, $10)
       RETURNING ${BOOKING_COLUMNS}`,
      [
        booking.id,
        scope.partnerId,
        scope.environment,
        booking.quoteId,
        JSON.stringify(booking.travellers),
        booking.email,
        booking.reference,
        booking.amount,
        booking.currency,
        booking.createdAt.toISOString(),
      ],
    );
    if (!row) throw new Error('booking insert returned no row');
    return showBooking(row);
  } catch (error) {
    if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) throw apiError('quote.already_booked');
    throw error;
  }
}

export async function isQuoteBooked(tx: Queryable, scope: Scope, quoteId: string): Promise<boolean> {
  const rows = await tx.query(
    'SELECT 1 FROM bookings WHERE partner_id = $1 AND environment = $2 AND quote_id = $3',
    [scope.partnerId, scope.environment, quoteId],
  );
  return rows.length > 0;
}

export async function findBooking(tx: Queryable, scope: Scope, id: string): Promise<Booking | undefined> {
  const [row] = await tx.query<BookingRow>(
    `SELECT ${BOOKING_COLUMNS} FROM bookings WHERE partner_id = $1 AND environment = $2 AND id = $3`,
    [scope.partnerId, scope.environment, id],
  );
  return row ? showBooking(row) : undefined;
}

/** Newest first by (created_at, id); `after` is the last booking of the previous page, already in scope. */
export async function listBookings(
  tx: Queryable,
  scope: Scope,
  limit: number,
  after: { id: string } | undefined,
): Promise<{ data: Booking[]; has_more: boolean }> {
  const rows = after
    ? await tx.query<BookingRow>(
        `SELECT ${BOOKING_COLUMNS} FROM bookings
          WHERE partner_id = $1 AND environment = $2
            AND (created_at, id) < (SELECT created_at, id FROM bookings
                                     WHERE partner_id = $1 AND environment = $2 AND id = $3)
          ORDER BY created_at DESC, id DESC LIMIT $4`,
        [scope.partnerId, scope.environment, after.id, limit + 1],
      )
    : await tx.query<BookingRow>(
        `SELECT ${BOOKING_COLUMNS} FROM bookings WHERE partner_id = $1 AND environment = $2
          ORDER BY created_at DESC, id DESC LIMIT $3`,
        [scope.partnerId, scope.environment, limit + 1],
      );
  return { data: rows.slice(0, limit).map(showBooking), has_more: rows.length > limit };
}

/**
 * Cancels a confirmed booking. The status condition in the UPDATE makes a concurrent second cancel find
 * nothing to change (it waits on the row lock, then re-checks), so only one request ever cancels.
 */
export async function cancelBooking(tx: Queryable, scope: Scope, id: string, at: Date): Promise<Booking> {
  const [row] = await tx.query<BookingRow>(
    `UPDATE bookings SET status = 'cancelled', cancelled_at = $4
      WHERE partner_id = $1 AND environment = $2 AND id = $3 AND status = 'confirmed'
      RETURNING ${BOOKING_COLUMNS}`,
    [scope.partnerId, scope.environment, id, at.toISOString()],
  );
  if (row) return showBooking(row);
  if (await findBooking(tx, scope, id)) throw apiError('booking.already_cancelled');
  throw apiError('resource.not_found');
}

function showBooking(row: BookingRow): Booking {
  const travellers =
    typeof row.travellers === 'string' ? (JSON.parse(row.travellers) as Traveller[]) : row.travellers;
  return {
    id: row.id,
    quote_id: row.quote_id,
    status: row.status,
    travellers: travellers.map((t) => ({
      first_name: t.first_name,
      last_name: t.last_name,
      birth_date: t.birth_date,
    })),
    contact: { email: row.contact_email },
    reference: row.reference,
    price: { amount: row.amount, currency: row.currency },
    created_at: isoOrNull(row.created_at) ?? '',
    cancelled_at: isoOrNull(row.cancelled_at),
  };
}
