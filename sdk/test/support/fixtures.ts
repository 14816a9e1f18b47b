import { Tessera, type TesseraOptions } from '../../src/index.ts';
import { FakeTessera } from './fake-tessera.ts';

export const SECRET = 'aN5vKjL9mQrT8Hp7Yx2Wc1Bs6Vd3Fz4EgHjKlMnBvCxZq1w2';
export const API_KEY = `sk_test_ABCDWXYZ_${SECRET}`;

export const QUOTE = {
  id: 'quo_1',
  origin: 'LHR',
  destination: 'JFK',
  departure_date: '2026-03-01',
  return_date: null,
  passengers: { adults: 1, children: 0 },
  cabin: 'economy',
  price: { amount: '123.45', currency: 'EUR' },
  created_at: '2026-01-01T00:00:00.000Z',
  expires_at: '2026-01-01T00:15:00.000Z',
};

export function booking(id: string, status: 'confirmed' | 'cancelled' = 'confirmed') {
  return {
    id,
    quote_id: 'quo_1',
    status,
    travellers: [{ first_name: 'Ada', last_name: 'Lovelace', birth_date: '1815-12-10' }],
    contact: { email: 'ada@example.com' },
    reference: null,
    price: { amount: '123.45', currency: 'EUR' },
    created_at: '2026-01-01T00:00:00.000Z',
    cancelled_at: status === 'cancelled' ? '2026-01-02T00:00:00.000Z' : null,
  };
}

/** A clock that only moves when the SDK sleeps, so retries take no real time and delays are recorded. */
export class FakeClock {
  readonly sleeps: number[] = [];
  constructor(public ms: number = Date.now()) {}
  readonly now = (): number => this.ms;
  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.ms += ms;
  };
}

export interface Harness {
  readonly server: FakeTessera;
  readonly clock: FakeClock;
  readonly client: Tessera;
}

export async function startHarness(
  options: Partial<TesseraOptions> & { serverNow?: () => number; clockMs?: number } = {},
): Promise<Harness> {
  const { serverNow, clockMs, ...clientOptions } = options;
  const server = await FakeTessera.start({ apiKey: API_KEY, secret: SECRET, serverNow });
  const clock = new FakeClock(clockMs);
  const client = new Tessera({
    apiKey: API_KEY,
    baseUrl: server.url,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    ...clientOptions,
  });
  return { server, clock, client };
}
