// The quote contract: what a partner sends to price a trip and what it gets back.
import { type Static, Type } from '@sinclair/typebox';
import { IsoDate, MoneySchema, Nullable, Timestamp } from '../schemas.ts';

export const CABINS = ['economy', 'premium_economy', 'business', 'first'] as const;
export type Cabin = (typeof CABINS)[number];

const Iata = Type.String({
  pattern: '^[A-Z]{3}$',
  description: 'IATA airport or city code',
  examples: ['CMN'],
});

// One enum rather than a union of literals, so a wrong value gives one clear error instead of one per branch.
const CabinSchema = Type.Unsafe<Cabin>({ type: 'string', enum: [...CABINS] });

export const Passengers = Type.Object(
  {
    adults: Type.Integer({ minimum: 1, maximum: 9 }),
    children: Type.Optional(Type.Integer({ minimum: 0, maximum: 8, default: 0 })),
  },
  { additionalProperties: false, description: 'At most 9 passengers in all.' },
);

export const CreateQuoteBody = Type.Object(
  {
    origin: Iata,
    destination: Iata,
    departure_date: { ...IsoDate, description: 'Not in the past, at most 365 days ahead (UTC).' },
    return_date: Type.Optional({ ...IsoDate, description: 'On or after departure_date; omit for one way.' }),
    passengers: Passengers,
    cabin: Type.Optional({ ...CabinSchema, default: 'economy' }),
  },
  { additionalProperties: false },
);
export type CreateQuoteBody = Static<typeof CreateQuoteBody>;

export const QuoteSchema = Type.Object(
  {
    id: Type.String({ pattern: '^quo_', examples: ['quo_0m3x9k2ab4F8kq1Zr7TtYv2c'] }),
    origin: Type.String(),
    destination: Type.String(),
    departure_date: Type.String({ format: 'date' }),
    return_date: Nullable(Type.String({ format: 'date' })),
    passengers: Type.Object({ adults: Type.Integer(), children: Type.Integer() }),
    cabin: CabinSchema,
    price: MoneySchema,
    created_at: Timestamp,
    expires_at: {
      ...Timestamp,
      description: '15 minutes after created_at; a quote can be booked until then.',
    },
  },
  { additionalProperties: false },
);
export type Quote = Static<typeof QuoteSchema>;
