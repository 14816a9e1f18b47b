// A partner's program, as the SDK's README shows it, compiled against the installed tarball with
// `tsc --strict` by test/sdk/package.test.ts (the root tsconfig excludes it: it imports the installed package).
import { Tessera, TesseraError } from '@tessera/sdk';

const DAY_MS = 86_400_000;

const tessera = new Tessera({
  apiKey: process.env.TESSERA_API_KEY ?? '',
  baseUrl: process.env.TESSERA_URL ?? 'http://127.0.0.1:8080',
});

const departureDate = new Date(Date.now() + 30 * DAY_MS).toISOString().slice(0, 10);
const quote = await tessera.quotes.create({
  origin: 'LHR',
  destination: 'JFK',
  departure_date: departureDate,
  passengers: { adults: 1, children: 0 },
  cabin: 'economy',
});
const booking = await tessera.bookings.create({
  quote_id: quote.id,
  travellers: [{ first_name: 'Ada', last_name: 'Lovelace', birth_date: '1815-12-10' }],
  contact: { email: 'ada@example.com' },
});
const readQuote = await tessera.quotes.retrieve(quote.id);
const readBooking = await tessera.bookings.retrieve(booking.id);
const listed: string[] = [];
for await (const each of tessera.bookings.list({ limit: 10 })) listed.push(each.id);

let missing: string | undefined;
try {
  await tessera.bookings.retrieve('bkg_00000000000000000000000000');
} catch (error) {
  if (error instanceof TesseraError) missing = error.code;
}

console.log(
  JSON.stringify({
    quoteId: quote.id,
    bookingId: booking.id,
    readQuoteId: readQuote.id,
    readBookingStatus: readBooking.status,
    price: readBooking.price,
    requestId: readBooking.lastResponse.requestId,
    listed,
    missing,
  }),
);
