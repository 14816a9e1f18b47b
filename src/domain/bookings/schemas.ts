// The booking contract: booking a quote, reading, listing and cancelling bookings.
import { type Static, Type } from '@sinclair/typebox';
import { IsoDate, MoneySchema, Nullable, SingleLineText, Timestamp } from '../schemas.ts';

// Names are free text but never carry control characters (they end up in partner exports and logs).
const Name = SingleLineText({ maxLength: 100 });

export const Traveller = Type.Object(
  { first_name: Name, last_name: Name, birth_date: { ...IsoDate, description: 'In the past.' } },
  { additionalProperties: false },
);
export type Traveller = Static<typeof Traveller>;

const Contact = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254 }) },
  { additionalProperties: false },
);

export const CreateBookingBody = Type.Object(
  {
    quote_id: Type.String({ minLength: 1, maxLength: 200, examples: ['quo_0m3x9k2ab4F8kq1Zr7TtYv2c'] }),
    travellers: Type.Array(Traveller, {
      minItems: 1,
      maxItems: 9,
      description: 'One per passenger of the quote (adults + children), in any order.',
    }),
    contact: Contact,
    reference: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', maxLength: 64, description: 'Your own reference.' }),
    ),
  },
  { additionalProperties: false },
);
export type CreateBookingBody = Static<typeof CreateBookingBody>;

export const BookingSchema = Type.Object(
  {
    id: Type.String({ pattern: '^bkg_' }),
    quote_id: Type.String(),
    status: Type.Unsafe<'confirmed' | 'cancelled'>({ type: 'string', enum: ['confirmed', 'cancelled'] }),
    travellers: Type.Array(Traveller),
    contact: Contact,
    reference: Nullable(Type.String()),
    price: MoneySchema,
    created_at: Timestamp,
    cancelled_at: Nullable(Timestamp),
  },
  { additionalProperties: false },
);
export type Booking = Static<typeof BookingSchema>;

export const ListBookingsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    starting_after: Type.Optional(
      Type.String({
        maxLength: 200,
        description:
          'The id of the last booking of the previous page. An id that is not one of your bookings ' +
          '(in this environment) is 404 resource.not_found.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ListBookingsQuery = Static<typeof ListBookingsQuery>;

export const BookingList = Type.Object(
  {
    data: Type.Array(BookingSchema, { description: 'Newest first.' }),
    has_more: Type.Boolean({ description: 'Pass the last id as starting_after to get the next page.' }),
  },
  { additionalProperties: false },
);
