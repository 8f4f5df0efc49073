import { randomUUID } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import { RequestLog } from '../../observability/logger';
import { emitMetric, MetricUnit } from '../../observability/metrics';
import type { ApiEvent, ApiResult } from '../types';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** True until this instance served its first request (the ColdStart metric, as Powertools names it). */
let coldStart = true;

/**
 * Correlation id (X-Correlation-Id header if well-formed, else API Gateway's request id), request-scoped
 * log keys, and on the way out the RequestLatency metric (EMF, dimension route) plus one access log line.
 */
export function requestContext(route: string): MiddlewareObj<ApiEvent, ApiResult> {
  const finish = (event: ApiEvent, response: ApiResult | undefined) => {
    const ctx = event.ctx;
    if (!ctx || !response) return;
    const ms = performance.now() - ctx.startedAt;
    response.headers = { ...response.headers, 'X-Correlation-Id': ctx.correlationId };
    emitMetric('RequestLatency', MetricUnit.Milliseconds, ms, { route });
    ctx.log.info('request', { status: response.statusCode, latency_ms: Math.round(ms * 10) / 10 });
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
