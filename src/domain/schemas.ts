// Schema pieces shared by quotes and bookings.
import { type TSchema, Type } from '@sinclair/typebox';

export const IsoDate = Type.String({
  format: 'date',
  pattern: '^\\d{4}-\\d{2}-\\d{2}$',
  examples: ['2030-05-17'],
});

export const Timestamp = Type.String({ format: 'date-time' });

export const MoneySchema = Type.Object(
  {
    amount: Type.String({ pattern: '^\\d+\\.\\d{2}$', description: 'Decimal amount', examples: ['123.45'] }),
    currency: Type.String({
      pattern: '^[A-Z]{3}$',
      description: 'ISO 4217 currency code',
      examples: ['EUR'],
    }),
  },
  { additionalProperties: false },
);

export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** Path ids are any string: a malformed id is 404 resource.not_found, like an unknown one, never 400. */
export const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });

// C0 and C1 control characters, DEL and lone surrogates. A NUL cannot be stored in PostgreSQL text at
// all, and the others end up in exports, logs and terminals, where they can forge lines.
const NO_CONTROLS = '[^\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff]';

/** Free text on one line: no control characters, and at least one character that is not a space. */
export function SingleLineText(options: { maxLength: number; description?: string }) {
  return Type.String({ minLength: 1, pattern: `^(?=.*\\S)${NO_CONTROLS}+$`, ...options });
}
