// What a load generator is asked to do and what it reports back, shared by both sides of the IPC channel.

export interface PlannedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadPlan {
  url: string;
  connections: number;
  seconds: number;
  requests: PlannedRequest[];
  /**
   * `cycle`: every connection loops over the requests (reads). `each-once`: the connections share one queue
   * and each request is sent once (signed writes: one Idempotency-Key, signature and quote per request).
   */
  order: 'cycle' | 'each-once';
  /** Requests per second across all connections (autocannon's overallRate); as fast as possible when absent. */
  rate?: number;
}

export interface LoadResult {
  seconds: number;
  /** Responses received, by HTTP status. */
  statuses: Record<string, number>;
  ok: number;
  okPerSecond: number;
  /** Latency of 2xx responses, in milliseconds. */
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
  /** `each-once` ran out of requests and started again from the first (those got 4xx replies). */
  exhausted: boolean;
}
