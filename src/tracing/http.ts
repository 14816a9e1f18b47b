// A SERVER span per request, child of the caller's `traceparent` when it sends one (W3C Trace Context).
// Installed before every other hook, so authentication, the handler's database work and the audit record
// all run inside the request's context. The context is re-entered after the body is read and before the
// response is sent, because those steps resume from socket events, outside the context of onRequest.
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Stage } from '../pipeline/stage.ts';
import { inSpan } from './spans.ts';

interface RequestTrace {
  span: Span;
  context: Context;
}

const headerGetter = {
  keys: (headers: FastifyRequest['headers']) => Object.keys(headers),
  get: (headers: FastifyRequest['headers'], key: string) => headers[key],
};

export function traceRequests(tracer: Tracer) {
  const traces = new WeakMap<FastifyRequest, RequestTrace>();
  const within = (request: FastifyRequest, done: () => void) => {
    const current = traces.get(request);
    if (current) context.with(current.context, done);
    else done();
  };

  return (app: FastifyInstance): void => {
    app.addHook('onRequest', (request, _reply, done) => {
      // Probes arrive every second or so from every balancer: tracing them would drown the real requests.
      if (request.routeOptions.config.probe) return done();
      const parent = propagation.extract(ROOT_CONTEXT, request.headers, headerGetter);
      const route = request.routeOptions.url;
      const span = tracer.startSpan(
        route ? `${request.method} ${route}` : request.method,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': request.method,
            'url.path': request.url.split('?')[0] ?? '',
            ...(route ? { 'http.route': route } : {}),
            'tessera.request_id': request.id,
          },
        },
        parent,
      );
      const spanContext = trace.setSpan(parent, span);
      traces.set(request, { span, context: spanContext });
      context.with(spanContext, done);
    });
    app.addHook('preValidation', (request, _reply, done) => within(request, done));
    app.addHook('onSend', (request, _reply, payload, done) => within(request, () => done(null, payload)));
    app.addHook('onResponse', (request, reply, done) => {
      const current = traces.get(request);
      if (current) {
        const { span } = current;
        span.setAttribute('http.response.status_code', reply.statusCode);
        const code = request.tessera?.errorCode;
        if (code) span.setAttribute('tessera.error_code', code);
        const partner = request.tessera?.attribution.partnerId;
        if (partner) span.setAttribute('tessera.partner_id', partner);
        if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
      done();
    });
  };
}

/** A pipeline stage in a span of its own (authentication, whose Argon2id run is worth seeing). */
export function tracedStage(tracer: Tracer, name: string, stage: Stage): Stage {
  return (request, reply) => inSpan(tracer, name, {}, async () => stage(request, reply));
}
