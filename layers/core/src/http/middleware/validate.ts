import type { MiddlewareObj } from '@middy/core';
import type { z } from 'zod';
import { ValidationError } from '../../errors';
import { findUnsafeText } from '../text-safety';
import type { ApiEvent, ApiResult } from '../types';

export interface RequestSchemas {
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
}

function check(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return value;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const details = r.error.issues.map((i) => ({
    in: where,
    path: i.path.map(String).join('.'),
    message: i.message,
  }));
  const first = details[0];
  const message =
    value === undefined && where === 'body'
      ? 'Request body is required'
      : `Invalid ${where}${first ? `: ${first.path ? `${first.path}: ` : ''}${first.message}` : ''}`;
  throw new ValidationError(message, details);
}

/** Request headers whose values the routes use as data. */
const DATA_HEADERS = ['idempotency-key'];

/**
 * zod validation of body, query string and path parameters; a failure is a 400 with every issue listed.
 * First, every string of the body (keys too), query string, path and data headers is checked for what the
 * database cannot store (NUL, unpaired surrogates): a 400 naming the field, before any work is done.
 */
export function validate(schemas: RequestSchemas): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    before: (request) => {
      const e = request.event;
      const headers: Record<string, string | undefined> = {};
      for (const h of DATA_HEADERS) if (e.headers?.[h] !== undefined) headers[h] = e.headers[h];
      const unsafe = [
        ...findUnsafeText(e.jsonBody, 'body'),
        ...findUnsafeText(e.queryStringParameters ?? {}, 'query'),
        ...findUnsafeText(e.pathParameters ?? {}, 'path'),
        ...findUnsafeText(headers, 'header'),
      ];
      if (unsafe.length > 0) {
        const first = unsafe[0]!;
        throw new ValidationError(
          `Invalid ${first.in}: ${first.path ? `${first.path}: ` : ''}${first.message}`,
          unsafe,
        );
      }
      e.validated = {
        params: check(schemas.params, e.pathParameters ?? {}, 'path'),
        query: check(schemas.query, e.queryStringParameters ?? {}, 'query'),
        body: check(schemas.body, e.jsonBody, 'body'),
      };
    },
  };
}
