import type { MiddlewareObj } from '@middy/core';
import type { z } from 'zod';
import { ValidationError } from '../../errors';
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

/** zod validation of body, query string and path parameters; a failure is a 400 with every issue listed. */
export function validate(schemas: RequestSchemas): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    before: (request) => {
      const e = request.event;
      e.validated = {
        params: check(schemas.params, e.pathParameters ?? {}, 'path'),
        query: check(schemas.query, e.queryStringParameters ?? {}, 'query'),
        body: check(schemas.body, e.jsonBody, 'body'),
      };
    },
  };
}
