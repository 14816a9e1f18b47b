import { pathSegment, requestJson, type WriteOptions } from './json.ts';
import type { Money } from './quotes.ts';
import type { Transport } from './transport.ts';

export interface Traveller {
  readonly first_name: string;
  readonly last_name: string;
  /** YYYY-MM-DD */
  readonly birth_date: string;
}

export interface Contact {
  readonly email: string;
}

export type BookingStatus = 'confirmed' | 'cancelled';

export interface BookingCreateParams {
  readonly quote_id: string;
  readonly travellers: readonly Traveller[];
  readonly contact: Contact;
  readonly reference?: string;
}

export interface Booking {
  readonly id: string;
  readonly quote_id: string;
  readonly status: BookingStatus;
  readonly travellers: readonly Traveller[];
  readonly contact: Contact;
  readonly reference: string | null;
  readonly price: Money;
  readonly created_at: string;
  readonly cancelled_at: string | null;
}

export interface BookingListParams {
  readonly limit?: number;
  /** A booking id; the page starts after it (bookings are listed newest first). */
  readonly starting_after?: string;
}

export interface BookingList {
  readonly data: readonly Booking[];
  readonly has_more: boolean;
}

export class Bookings {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  create(params: BookingCreateParams, options: WriteOptions = {}): Promise<Booking> {
    return requestJson<Booking>(this.#transport, {
      method: 'POST',
      path: '/v1/bookings',
      body: params,
      idempotencyKey: options.idempotencyKey,
    });
  }

  retrieve(id: string): Promise<Booking> {
    return requestJson<Booking>(this.#transport, { method: 'GET', path: `/v1/bookings/${pathSegment(id)}` });
  }

  /** One page of bookings, newest first. */
  list(params: BookingListParams = {}): Promise<BookingList> {
    return requestJson<BookingList>(this.#transport, {
      method: 'GET',
      path: '/v1/bookings',
      query: { limit: params.limit, starting_after: params.starting_after },
    });
  }

  /** Every booking, fetching pages lazily: `for await (const booking of client.bookings.iterate())`. */
  async *iterate(params: BookingListParams = {}): AsyncGenerator<Booking, void, undefined> {
    let startingAfter = params.starting_after;
    for (;;) {
      const page = await this.list({ limit: params.limit, starting_after: startingAfter });
      yield* page.data;
      const last = page.data.at(-1);
      if (!page.has_more || last === undefined) return;
      startingAfter = last.id;
    }
  }

  /** Every booking in one array; prefer `iterate` when there may be many. */
  async listAll(params: BookingListParams = {}): Promise<Booking[]> {
    const bookings: Booking[] = [];
    for await (const booking of this.iterate(params)) bookings.push(booking);
    return bookings;
  }

  /** Cancels a booking. The POST has no payload, so `{}` is sent and signed. */
  cancel(id: string, options: WriteOptions = {}): Promise<Booking> {
    return requestJson<Booking>(this.#transport, {
      method: 'POST',
      path: `/v1/bookings/${pathSegment(id)}/cancel`,
      body: {},
      idempotencyKey: options.idempotencyKey,
    });
  }
}
