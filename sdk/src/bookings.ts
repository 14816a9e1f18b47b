import { pathSegment, requestJson, type WithResponse } from './json.ts';
import { pickOptions, type RequestOptions, type WriteOptions } from './options.ts';
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

/** A page of bookings that is also every booking: `await` it for one page, `for await` it for all. */
export type BookingListing = Promise<WithResponse<BookingList>> & AsyncIterable<Booking>;

export class Bookings {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  create(params: BookingCreateParams, options: WriteOptions = {}): Promise<WithResponse<Booking>> {
    return requestJson<Booking>(this.#transport, {
      ...pickOptions(options),
      method: 'POST',
      path: '/v1/bookings',
      body: params,
    });
  }

  retrieve(id: string, options: RequestOptions = {}): Promise<WithResponse<Booking>> {
    const path = `/v1/bookings/${pathSegment(id)}`;
    return requestJson<Booking>(this.#transport, { ...pickOptions(options), method: 'GET', path });
  }

  /**
   * Bookings, newest first. `await list()` gives one page (`{ data, has_more }`); `for await (const b of
   * list())` walks every page from there, fetching each only when the previous one is used up.
   */
  list(params: BookingListParams = {}, options: RequestOptions = {}): BookingListing {
    const firstPage = this.#page(params, options);
    const pages = () => this.#every(firstPage, params, options);
    return Object.assign(firstPage, { [Symbol.asyncIterator]: pages });
  }

  /** Every booking, fetching pages lazily; the same as `for await (const b of list())`. */
  iterate(
    params: BookingListParams = {},
    options: RequestOptions = {},
  ): AsyncGenerator<Booking, void, undefined> {
    return this.#every(this.#page(params, options), params, options);
  }

  /** Every booking in one array; prefer `for await` over `list()` when there may be many. */
  async listAll(params: BookingListParams = {}, options: RequestOptions = {}): Promise<Booking[]> {
    const bookings: Booking[] = [];
    for await (const booking of this.list(params, options)) bookings.push(booking);
    return bookings;
  }

  /** Cancels a booking. The POST has no payload, so `{}` is sent and signed. */
  cancel(id: string, options: WriteOptions = {}): Promise<WithResponse<Booking>> {
    return requestJson<Booking>(this.#transport, {
      ...pickOptions(options),
      method: 'POST',
      path: `/v1/bookings/${pathSegment(id)}/cancel`,
      body: {},
    });
  }

  #page(params: BookingListParams, options: RequestOptions): Promise<WithResponse<BookingList>> {
    return requestJson<BookingList>(this.#transport, {
      ...pickOptions(options),
      method: 'GET',
      path: '/v1/bookings',
      query: { limit: params.limit, starting_after: params.starting_after },
    });
  }

  async *#every(
    firstPage: Promise<BookingList>,
    params: BookingListParams,
    options: RequestOptions,
  ): AsyncGenerator<Booking, void, undefined> {
    let page = await firstPage;
    for (;;) {
      yield* page.data;
      const last = page.data.at(-1);
      if (!page.has_more || last === undefined) return;
      page = await this.#page({ limit: params.limit, starting_after: last.id }, options);
    }
  }
}
