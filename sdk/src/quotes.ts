import { pathSegment, requestJson, type WithResponse } from './json.ts';
import { pickOptions, type RequestOptions, type WriteOptions } from './options.ts';
import type { Transport } from './transport.ts';

export type Cabin = 'economy' | 'premium_economy' | 'business' | 'first' | (string & {});

export interface Passengers {
  readonly adults: number;
  readonly children: number;
}

export interface Money {
  /** Decimal string, e.g. "123.45", so no precision is lost in floating point. */
  readonly amount: string;
  readonly currency: string;
}

export interface QuoteCreateParams {
  readonly origin: string;
  readonly destination: string;
  /** YYYY-MM-DD */
  readonly departure_date: string;
  readonly return_date?: string;
  readonly passengers: Passengers;
  readonly cabin?: Cabin;
}

export interface Quote {
  readonly id: string;
  readonly origin: string;
  readonly destination: string;
  readonly departure_date: string;
  readonly return_date: string | null;
  readonly passengers: Passengers;
  readonly cabin: Cabin;
  readonly price: Money;
  readonly created_at: string;
  readonly expires_at: string;
}

export class Quotes {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  create(params: QuoteCreateParams, options: WriteOptions = {}): Promise<WithResponse<Quote>> {
    return requestJson<Quote>(this.#transport, {
      ...pickOptions(options),
      method: 'POST',
      path: '/v1/quotes',
      body: params,
    });
  }

  retrieve(id: string, options: RequestOptions = {}): Promise<WithResponse<Quote>> {
    const path = `/v1/quotes/${pathSegment(id)}`;
    return requestJson<Quote>(this.#transport, { ...pickOptions(options), method: 'GET', path });
  }
}
