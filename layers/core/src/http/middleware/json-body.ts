import type { MiddlewareObj } from '@middy/core';
import { MalformedJsonError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../errors';
import type { ApiEvent, ApiResult } from '../types';

/**
 * Enforces the body size limit and Content-Type, then parses JSON into `event.jsonBody`. With `csv`, a
 * `text/csv` body is accepted too and handed on as `{ csv: text }` (the route parses it).
 */
export function jsonBody(maxBytes: number, opts: { csv?: boolean } = {}): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    before: (request) => {
      const event = request.event;
      const raw = event.body;
      if (raw === null || raw === undefined || raw === '') {
        event.jsonBody = undefined;
        return;
      }
      const bytes = Buffer.byteLength(raw, event.isBase64Encoded ? 'base64' : 'utf8');
      if (bytes > maxBytes) throw new PayloadTooLargeError(maxBytes);
      const contentType = event.headers?.['content-type'] ?? '';
      if (opts.csv && /^text\/csv\s*(;|$)/i.test(contentType)) {
        event.jsonBody = { csv: event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw };
        return;
      }
      if (!/^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(contentType))
        throw new UnsupportedMediaTypeError();
      const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
      try {
        event.jsonBody = JSON.parse(text);
      } catch {
        throw new MalformedJsonError();
      }
    },
  };
}
