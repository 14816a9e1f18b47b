// Builds the HTTP app: the pipeline stages in their order, the error catalogue, then the route table.
// No I/O happens here; `app.ts` opens the database and wires the stages in.
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { GroupCommitWriter } from './audit/group-commit.ts';
import type { Config } from './config.ts';
import { apiError, errorBody } from './errors.ts';
import { readRawBody } from './http/body-reader.ts';
import { handleError } from './http/error-handler.ts';
import { frameworkErrorHandler } from './http/framework-errors.ts';
import { beginRequest, logRequest } from './http/request-lifecycle.ts';
import { RouteTable } from './http/route-table.ts';
import { validatorCompiler } from './http/validator.ts';
import { newId } from './ids.ts';
import type { IpMatcher } from './net/cidr.ts';
import { auditBeforeRelease, type UnauthenticatedRejections } from './pipeline/audit.ts';
import type { RequestContext, RouteKind } from './pipeline/context.ts';
import { type Pipeline, type PipelineStages, pipelineFor, runStages } from './pipeline/index.ts';

export type RouteRegistrar = (app: FastifyInstance) => void;

export interface ServerOptions {
  config: Config;
  logger: Logger;
  stages: PipelineStages;
  auditWriter: Pick<GroupCommitWriter, 'record'>;
  trustedProxies: IpMatcher;
  routes: readonly RouteRegistrar[];
  /** Plain HTTP on a non-loopback address: only requests a trusted proxy reports as HTTPS are served. */
  requireForwardedHttps: boolean;
  https?: { cert: Buffer; key: Buffer; minVersion: 'TLSv1.2' | 'TLSv1.3' };
  now?: () => number;
  /** Counts and aggregates requests rejected before anyone was identified (see pipeline/audit.ts). */
  unauthenticated?: UnauthenticatedRejections;
  /** Hooks that must run before all others (tracing: every later step runs in the request's span). */
  instrument?: RouteRegistrar;
}

/** A request Node's HTTP parser rejects never reaches Fastify; it still gets a catalogued answer. */
function answerUnparseableRequest(_error: Error, socket: Socket): void {
  if (!socket.writable) return;
  const body = JSON.stringify(errorBody(apiError('request.invalid'), newId('request')));
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function buildServer(options: ServerOptions): FastifyInstance {
  const now = options.now ?? Date.now;
  const fastifyOptions: FastifyServerOptions & { https?: object } = {
    loggerInstance: options.logger,
    // One name for the request id everywhere: the response body's, on every log line.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: () => newId('request'),
    requestIdHeader: false,
    frameworkErrors: frameworkErrorHandler({
      auditWriter: options.auditWriter,
      now,
      trustedProxies: options.trustedProxies,
      unauthenticated: options.unauthenticated,
    }),
    trustProxy: (address: string) => options.trustedProxies.matches(address),
    bodyLimit: options.config.bodyLimitBytes,
    return503OnClosing: true,
    clientErrorHandler: answerUnparseableRequest,
    routerOptions: { maxParamLength: 200 },
  };
  if (options.https) {
    fastifyOptions.https = {
      cert: options.https.cert,
      key: options.https.key,
      minVersion: options.https.minVersion,
    };
  }
  const app = Fastify(fastifyOptions) as unknown as FastifyInstance;
  options.instrument?.(app);
  app.setValidatorCompiler(validatorCompiler);
  app.decorateRequest('tessera', null as unknown as RequestContext);
  app.decorateRequest('rawBody', undefined);

  // Bodies are kept as the exact bytes received: the signature is checked over them, then they are parsed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    readRawBody(options.config.bodyLimitBytes, options.config.bodyTimeoutMs),
  );

  // Each kind's stage lists, built once rather than on every request.
  const pipelines: Record<RouteKind, Pipeline> = {
    public: pipelineFor('public', options.stages),
    read: pipelineFor('read', options.stages),
    signedWrite: pipelineFor('signedWrite', options.stages),
    admin: pipelineFor('admin', options.stages),
  };
  const routeTable = new RouteTable();
  app.addHook('onRoute', (route) => routeTable.add(route.method, route.url, route.config?.security));
  app.decorate('routeTable', routeTable);

  app.addHook('onRequest', async (request, reply) => {
    beginRequest(request, reply, now());
    const probe = request.routeOptions.config.probe === true;
    if (options.requireForwardedHttps && request.protocol !== 'https' && !probe)
      throw apiError('transport.https_required');
    const kind = request.routeOptions.config.security?.kind;
    if (kind) await runStages(pipelines[kind].onRequest, request, reply);
  });
  app.addHook('preValidation', async (request, reply) => {
    const kind = request.routeOptions.config.security?.kind;
    if (kind) await runStages(pipelines[kind].preValidation, request, reply);
  });
  app.addHook('onSend', auditBeforeRelease(options.auditWriter, now, options.unauthenticated));
  app.addHook('onResponse', async (request, reply) => logRequest(request, reply, reply.elapsedTime));

  app.setErrorHandler(handleError);
  app.setNotFoundHandler(async (request, reply) => {
    await options.stages.limitUnauthenticated(request, reply);
    const path = request.url.split('?')[0] ?? '';
    const allowed = routeTable.allowedMethods(path).filter((m) => m !== 'HEAD');
    const error = allowed.length > 0 ? apiError('method.not_allowed') : apiError('route.not_found');
    request.tessera.errorCode = error.code;
    if (allowed.length > 0) reply.header('allow', allowed.join(', '));
    return reply.code(error.status).send(errorBody(error, request.tessera.requestId));
  });

  for (const register of options.routes) register(app);
  return app;
}
