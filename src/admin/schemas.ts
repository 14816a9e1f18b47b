import { type Static, Type } from '@sinclair/typebox';
import { SingleLineText } from '../domain/schemas.ts';
import { SCOPE_PATTERN } from '../keys/scopes.ts';

export const EnvironmentSchema = Type.Union([Type.Literal('test'), Type.Literal('live')]);

export const PartnerIdParams = Type.Object({ id: Type.String({ pattern: '^ptn_[0-9A-Za-z]{23}$' }) });
export const KeyIdParams = Type.Object({ id: Type.String({ pattern: '^key_[0-9A-Za-z]{23}$' }) });

export const CreatePartnerBody = Type.Object(
  {
    name: SingleLineText({ maxLength: 200 }),
    rate_limit_per_minute: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 10_000_000 }), Type.Null()]),
    ),
  },
  { additionalProperties: false },
);
export type CreatePartnerBody = Static<typeof CreatePartnerBody>;

export const UpdatePartnerBody = Type.Object(
  { rate_limit_per_minute: Type.Union([Type.Integer({ minimum: 1, maximum: 10_000_000 }), Type.Null()]) },
  { additionalProperties: false },
);
export type UpdatePartnerBody = Static<typeof UpdatePartnerBody>;

export const CreateKeyBody = Type.Object(
  {
    environment: EnvironmentSchema,
    name: Type.Optional(SingleLineText({ maxLength: 100 })),
    scopes: Type.Optional(
      // Checked against knownScopes() by the route: gateway routes add scopes at start.
      Type.Array(Type.String({ pattern: SCOPE_PATTERN }), {
        minItems: 1,
        uniqueItems: true,
      }),
    ),
    expires_at: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type CreateKeyBody = Static<typeof CreateKeyBody>;

export const ListKeysQuery = Type.Object(
  { environment: Type.Optional(EnvironmentSchema) },
  { additionalProperties: false },
);

export const ReplaceAllowlistBody = Type.Object(
  {
    environment: Type.Optional(Type.Union([EnvironmentSchema, Type.Null()])),
    entries: Type.Array(
      Type.Object(
        {
          cidr: Type.String({ minLength: 2, maxLength: 64 }),
          note: Type.Optional(Type.String({ maxLength: 200 })),
        },
        { additionalProperties: false },
      ),
      { maxItems: 500 },
    ),
    allow_any: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ReplaceAllowlistBody = Static<typeof ReplaceAllowlistBody>;
