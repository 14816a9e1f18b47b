// Prometheus series for the gateway, per upstream: requests by status, latency to the upstream's response
// headers, errors by kind, and requests in flight. Served by /metrics with Tessera's own series.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type UpstreamErrorKind = 'unavailable' | 'timeout' | 'invalid_response';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #requests = new Counter({
    name: 'tessera_gateway_upstream_requests_total',
    help: 'Requests forwarded to an upstream, by upstream and the status it answered (0: no answer)',
    labelNames: ['upstream', 'status'],
    registers: [this.registry],
  });
  readonly #latency = new Histogram({
    name: 'tessera_gateway_upstream_duration_seconds',
    help: "Time from forwarding to the upstream's response headers, by upstream",
    labelNames: ['upstream'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30],
    registers: [this.registry],
  });
  readonly #errors = new Counter({
    name: 'tessera_gateway_upstream_errors_total',
    help: 'Forwarded requests that failed, by upstream and kind',
    labelNames: ['upstream', 'kind'],
    registers: [this.registry],
  });
  readonly #inFlight = new Gauge({
    name: 'tessera_gateway_upstream_in_flight',
    help: 'Requests being forwarded to an upstream right now',
    labelNames: ['upstream'],
    registers: [this.registry],
  });

  started(upstream: string): () => void {
    this.#inFlight.inc({ upstream });
    return () => this.#inFlight.dec({ upstream });
  }

  answered(upstream: string, status: number, elapsedMs: number): void {
    this.#requests.inc({ upstream, status });
    this.#latency.observe({ upstream }, elapsedMs / 1000);
  }

  failed(upstream: string, kind: UpstreamErrorKind): void {
    this.#errors.inc({ upstream, kind });
    if (kind !== 'invalid_response') this.#requests.inc({ upstream, status: 0 });
  }
}
