// What the document says about each operation besides its schemas: a readable operationId, a summary, the
// names of its request and response schemas, other media types, and a whole valid request as the example.
// A route that declares `operationId` or `summary` in its own schema wins; routes known to no entry here
// (added later, elsewhere) still get a summary, an id and named schemas derived from method and path.

type Json = Record<string, unknown>;

export interface OperationInfo {
  readonly operationId: string;
  readonly summary: string;
  /** components.schemas name of the JSON request body. */
  readonly request?: string;
  /** components.schemas name of the JSON success body. */
  readonly response?: string;
  /** The success body's schema when the route declares none. */
  readonly responseSchema?: Json;
  /** Success bodies that are not JSON, by media type (they replace application/json). */
  readonly media?: Readonly<Record<string, Json>>;
  /** `format` of query parameters whose schema does not carry one (e.g. `date-time`). */
  readonly formats?: Readonly<Record<string, string>>;
  /** A complete request body that passes validation on `today`. */
  readonly example?: (today: Date) => Json;
}

const DAY_MS = 86_400_000;

function isoDate(day: Date, plusDays: number): string {
  return new Date(day.getTime() + plusDays * DAY_MS).toISOString().slice(0, 10);
}

export const OPERATIONS: Readonly<Record<string, OperationInfo>> = {
  'GET /v1/openapi.json': { operationId: 'getOpenApiDocument', summary: 'Get this OpenAPI 3.1 document' },
  'GET /v1/me': { operationId: 'getMe', summary: 'Get the calling partner and key', response: 'Me' },
  'POST /v1/quotes': {
    operationId: 'createQuote',
    summary: 'Price a trip',
    request: 'QuoteCreateRequest',
    response: 'Quote',
    example: (today) => ({
      origin: 'CMN',
      destination: 'LHR',
      departure_date: isoDate(today, 30),
      return_date: isoDate(today, 37),
      passengers: { adults: 2, children: 1 },
      cabin: 'economy',
    }),
  },
  'GET /v1/quotes/{id}': { operationId: 'retrieveQuote', summary: 'Retrieve a quote', response: 'Quote' },
  'POST /v1/bookings': {
    operationId: 'createBooking',
    summary: 'Book a quote',
    request: 'BookingCreateRequest',
    response: 'Booking',
    example: () => ({
      quote_id: 'quo_0m3x9k2ab4F8kq1Zr7TtYv2c',
      travellers: [{ first_name: 'Amina', last_name: 'Haddad', birth_date: '1988-04-02' }],
      contact: { email: 'amina.haddad@example.com' },
      reference: 'order-4711',
    }),
  },
  'GET /v1/bookings': { operationId: 'listBookings', summary: 'List bookings', response: 'BookingList' },
  'GET /v1/bookings/{id}': {
    operationId: 'retrieveBooking',
    summary: 'Retrieve a booking',
    response: 'Booking',
  },
  'POST /v1/bookings/{id}/cancel': {
    operationId: 'cancelBooking',
    summary: 'Cancel a booking',
    response: 'Booking',
  },
  'GET /v1/audit-events': {
    operationId: 'exportAuditEvents',
    summary: 'Export audit events',
    formats: { from: 'date-time', to: 'date-time' },
    media: {
      'application/x-ndjson': {
        schema: {
          type: 'string',
          description: 'format=jsonl (the default): one JSON event per line (JSON Lines).',
        },
      },
      'text/csv': { schema: { type: 'string', description: 'format=csv: CSV with a header row.' } },
    },
  },
  'GET /v1/audit-events/manifest': {
    operationId: 'getAuditExportManifest',
    summary: 'Get the manifest of an audit export',
    formats: { from: 'date-time', to: 'date-time' },
    response: 'AuditManifest',
    responseSchema: {
      type: 'object',
      description:
        'What `tessera audit verify` checks an export against: the period, event count, SHA-256 of the ' +
        'export, the chain heads it covers and the Ed25519 seals over them.',
    },
  },
};

/** The entry for `METHOD /path/{param}`, or one derived from method and path. */
export function operationInfo(method: string, path: string): OperationInfo {
  const known = OPERATIONS[`${method} ${path}`];
  if (known !== undefined) return known;
  const operationId = derivedOperationId(method, path);
  const pascal = operationId.charAt(0).toUpperCase() + operationId.slice(1);
  return {
    operationId,
    summary: `${method} ${path}`,
    request: `${pascal}Request`,
    response: `${pascal}Response`,
  };
}

/** `GET /v1/partners/{id}/keys` → `getPartnersByIdKeys`. */
function derivedOperationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((segment) => segment !== '' && segment !== 'v1')
    .map((segment) => (segment.startsWith('{') ? `by_${segment.slice(1, -1)}` : segment))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((w) => w.charAt(0).toUpperCase() + w.slice(1))].join('');
}
