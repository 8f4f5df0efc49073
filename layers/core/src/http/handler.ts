import middy from '@middy/core';
import httpCors from '@middy/http-cors';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { Context } from 'aws-lambda';
import { jwtSettings } from '../auth/jwt-settings';
import { createUserCheck, loadUserCheckConfig } from '../auth/user-check';
import { getConfig } from '../config';
import { UnauthorizedError } from '../errors';
import { withRequestMetrics } from '../observability/metrics';
import { getDb } from '../runtime/db';
import { jsonResponse } from './error-response';
import { authenticate } from './middleware/authenticate';
import { errorHandler } from './middleware/error-handler';
import { jsonBody } from './middleware/json-body';
import { requestContext } from './middleware/request-context';
import { type RequestSchemas, validate } from './middleware/validate';
import { type StreamingLambda, streamingLifecycle } from './stream-lifecycle';
import type { ApiEvent, ApiRequest, ApiResponse, ApiResult } from './types';

export interface HttpHandlerOptions<B, Q, P> {
  /** Route id for logs and metrics, e.g. 'decisions-list' */
  route: string;
  /** Require a valid bearer JWT */
  auth: boolean;
  /**
   * With `auth`: also check that the token's user still exists (once per token and instance; needs the
   * database). Default true. A function without database access (analysis-start) sets false; its work is
   * checked where it runs (the worker refuses a job whose user is gone before running it).
   */
  checkUser?: boolean;
  body?: import('zod').ZodType<B>;
  query?: import('zod').ZodType<Q>;
  params?: import('zod').ZodType<P>;
  /** A response-streaming Lambda (awslambda.streamifyResponse); the route may return `{ stream }`. */
  streaming?: boolean;
  /** Also accept a `text/csv` body, handed to the body schema as `{ csv: text }`. */
  csvBody?: boolean;
}

export type LambdaHttpHandler = (event: ApiEvent, context: Context) => Promise<ApiResult>;

type Streamify = <F extends StreamingLambda>(fn: F) => F;

/** The Lambda runtime's `awslambda.streamifyResponse` (also the local runtimes' stand-ins), when present. */
function streamify(): Streamify | undefined {
  const g = globalThis as { awslambda?: { streamifyResponse?: unknown } };
  const fn = g.awslambda?.streamifyResponse;
  return typeof fn === 'function' ? (fn as Streamify) : undefined;
}

/**
 * The shared middy chain for every HTTP route: lower-cased header names, correlation id + request-scoped logger + latency metric
 * (for a streaming route: when the stream ends, see http/stream-lifecycle.ts),
 * CORS, security headers, body size/Content-Type/JSON parsing, JWT authentication, zod validation, and one
 * error mapping. The route's own function only sees validated input and returns `{status, body}`.
 */
export function httpHandler<B = undefined, Q = Record<string, string>, P = Record<string, string>>(
  options: HttpHandlerOptions<B, Q, P>,
  fn: (req: ApiRequest<B, Q, P>) => Promise<ApiResponse>,
): LambdaHttpHandler {
  const config = getConfig();
  const jwt = () => jwtSettings(config);
  const checkUser =
    options.auth && options.checkUser !== false
      ? createUserCheck(() => getDb(config), loadUserCheckConfig())
      : undefined;

  const base = async (event: ApiEvent, context: Context): Promise<ApiResult> => {
    const v = event.validated ?? { body: undefined, query: {}, params: {} };
    const ctx = event.ctx!;
    const req: ApiRequest<B, Q, P> = {
      body: v.body as B,
      query: v.query as Q,
      params: v.params as P,
      headers: event.headers ?? {},
      get user() {
        if (!event.auth) throw new UnauthorizedError();
        return event.auth;
      },
      log: ctx.log,
      correlationId: ctx.correlationId,
      route: options.route,
      event,
      context,
    };
    const out = await fn(req);
    if (out.stream) {
      if (!options.streaming)
        throw new Error(`${options.route} returned a stream but is not a streaming route`);
      // the request is recorded when this stream ends, with its real outcome (http/stream-lifecycle.ts)
      if (out.report) ctx.stream = out.report;
      // middy (streamifyResponse) writes status and headers as the prelude, then pipes the body stream.
      return {
        statusCode: out.status ?? 200,
        headers: out.headers ?? {},
        body: out.stream,
      } as unknown as ApiResult;
    }
    return jsonResponse(out.status ?? 200, out.body, out.headers);
  };

  const streamifyResponse = streamify();
  if (options.streaming && !streamifyResponse) {
    // The managed runtime defines `awslambda` before the handler module loads. Anywhere else the module still
    // loads (so a packaging check can import it), and an invocation fails with a clear error.
    return async () => {
      throw new Error(
        `${options.route} is a response-streaming function: it needs the Lambda runtime's awslambda.streamifyResponse`,
      );
    };
  }
  const schemas: RequestSchemas = { body: options.body, query: options.query, params: options.params };
  const chain = middy<ApiEvent, ApiResult>(base, { streamifyResponse: options.streaming === true })
    // header names lower-cased once, so every later step (and the route) reads headers['authorization']
    .use(httpHeaderNormalizer())
    .use(requestContext(options.route, { streaming: options.streaming }))
    .use(
      httpCors({
        origin: config.CORS_ORIGIN,
        headers: 'Authorization,Content-Type,Idempotency-Key,X-Correlation-Id',
        exposeHeaders: 'X-Correlation-Id,Retry-After,Idempotent-Replayed,Location',
        maxAge: 600,
      }),
    )
    .use(httpSecurityHeaders())
    .use(errorHandler());
  if (options.auth) chain.use(authenticate(jwt, checkUser));
  chain.use(jsonBody(config.MAX_BODY_BYTES, { csv: options.csvBody })).use(validate(schemas));
  // Every metric of the request (latency, cache, DB, LLM) is buffered and written as one EMF line at its end:
  // for a stream, when its body has ended (the chain itself returns at time-to-headers).
  if (options.streaming && streamifyResponse) {
    const lifecycle = streamingLifecycle(chain as unknown as StreamingLambda);
    return streamifyResponse(lifecycle) as unknown as LambdaHttpHandler;
  }
  const run = chain as unknown as LambdaHttpHandler;
  return (event, context) => withRequestMetrics(() => run(event, context));
}
