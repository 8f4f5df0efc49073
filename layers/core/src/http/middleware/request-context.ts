import { randomUUID } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import { RequestLog } from '../../observability/logger';
import { emitMetric, MetricUnit } from '../../observability/metrics';
import type { ApiEvent, ApiResult, RequestContext } from '../types';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** True until this instance served its first request (the ColdStart metric, as Powertools names it). */
let coldStart = true;

export interface RequestRecord {
  status: number;
  /** From the request's start to its end: the last byte of a streamed body. */
  latencyMs: number;
  /** Streaming routes: from the request's start to the first byte of the body (or the JSON error). */
  firstByteMs?: number;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * The request's metric (RequestLatency, dimension route; TimeToFirstByte for streams) and its one access log
 * line. Called once per request: by this middleware for JSON routes, when the stream ends for streaming ones.
 */
export function recordRequest(ctx: RequestContext, r: RequestRecord): void {
  emitMetric('RequestLatency', MetricUnit.Milliseconds, r.latencyMs, { route: ctx.route });
  if (r.firstByteMs !== undefined) {
    emitMetric('TimeToFirstByte', MetricUnit.Milliseconds, r.firstByteMs, { route: ctx.route });
  }
  ctx.log.info('request', {
    status: r.status,
    latency_ms: round(r.latencyMs),
    ...(r.firstByteMs !== undefined ? { ttfb_ms: round(r.firstByteMs) } : {}),
  });
}

/**
 * Correlation id (X-Correlation-Id header if well-formed, else API Gateway's request id), request-scoped
 * log keys, and on the way out the X-Correlation-Id header and, for JSON routes, the request record
 * (`recordRequest`). A streaming route's response leaves the chain at time-to-headers, before its body is
 * written: there the prelude is only noted, and http/stream-lifecycle.ts records the request when it ends.
 */
export function requestContext(
  route: string,
  opts: { streaming?: boolean } = {},
): MiddlewareObj<ApiEvent, ApiResult> {
  const finish = (event: ApiEvent, response: ApiResult | undefined) => {
    const ctx = event.ctx;
    if (!ctx || !response) return;
    response.headers = { ...response.headers, 'X-Correlation-Id': ctx.correlationId };
    const now = performance.now();
    if (opts.streaming) {
      ctx.prelude = { status: response.statusCode, at: now };
      return;
    }
    recordRequest(ctx, { status: response.statusCode, latencyMs: now - ctx.startedAt });
  };
  return {
    before: (request) => {
      const event = request.event;
      if (coldStart) {
        coldStart = false;
        emitMetric('ColdStart', MetricUnit.Count, 1, {
          function_name: request.context.functionName ?? route,
        });
      }
      const given = event.headers?.['x-correlation-id'];
      const correlationId =
        given && SAFE_ID.test(given) ? given : (event.requestContext?.requestId ?? randomUUID());
      event.ctx = {
        route,
        correlationId,
        startedAt: performance.now(),
        log: new RequestLog({ correlation_id: correlationId, route }),
      };
    },
    after: (request) => finish(request.event, request.response ?? undefined),
    onError: (request) => finish(request.event, request.response ?? undefined),
  };
}
