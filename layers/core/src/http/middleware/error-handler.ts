import type { MiddlewareObj } from '@middy/core';
import { logger } from '../../observability/logger';
import { errorResponse } from '../error-response';
import type { ApiEvent, ApiResult } from '../types';

/** Turns any error into `{"error":{code,message,details?}}` with its status; logs unexpected ones. */
export function errorHandler(): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    onError: (request) => {
      const ctx = request.event.ctx;
      const { result, expected } = errorResponse(request.error, ctx?.correlationId ?? 'unknown');
      const log = ctx?.log ?? logger;
      if (expected) log.info('request rejected', { status: result.statusCode, code: request.error?.message });
      else log.error('request failed', { status: result.statusCode, error: request.error as Error });
      request.response = result;
    },
  };
}
