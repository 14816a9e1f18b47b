// Child spans. Attributes are chosen from an allowlist, like log fields: never a header, a body, a query
// string, SQL parameters or anything else that could carry a key, a signature or a partner's data.
import {
  type Attributes,
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { TRACER_NAME } from './setup.ts';

/** Runs work in a child span of the current one; an exception marks the span as an error (type only). */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  work: () => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  return tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      // The error's name only: messages of driver errors can quote SQL or values.
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * For code that calls another service (the gateway's forwarding): a CLIENT span around the call, and the
 * W3C `traceparent` header to send with it, so the upstream's spans join this trace. Without tracing
 * enabled it just runs the call with no extra headers.
 */
export function withUpstreamSpan<T>(
  target: { method: string; url: URL },
  call: (traceHeaders: Record<string, string>) => Promise<T>,
): Promise<T> {
  const tracer = trace.getTracer(TRACER_NAME);
  const attributes = {
    'http.request.method': target.method,
    'server.address': target.url.hostname,
    'server.port': Number(target.url.port) || (target.url.protocol === 'https:' ? 443 : 80),
    'url.path': target.url.pathname,
  };
  return inSpan(
    tracer,
    `${target.method} upstream`,
    attributes,
    () => {
      const headers: Record<string, string> = {};
      propagation.inject(context.active(), headers);
      return call(headers);
    },
    SpanKind.CLIENT,
  );
}
