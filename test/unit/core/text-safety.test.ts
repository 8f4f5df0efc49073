import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { httpHandler } from '#core/http/handler';
import { findUnsafeText, unsafeTextReason } from '#core/http/text-safety';
import { lambdaContext } from '../../../bin/local/events';

describe('text the database cannot store', () => {
  it('flags NUL and unpaired surrogates, accepts paired ones', () => {
    expect(unsafeTextReason('a\u0000b')).toMatch(/NUL/);
    expect(unsafeTextReason('\ud800')).toMatch(/surrogate/);
    expect(unsafeTextReason('x\udc00')).toMatch(/surrogate/);
    expect(unsafeTextReason('\udc00\ud800')).toMatch(/surrogate/);
    expect(unsafeTextReason('emoji 😀 ok, é, 中文')).toBeUndefined();
  });

  it('names every bad field, keys included, in nested bodies', () => {
    const issues = findUnsafeText({ query: 'ok', items: ['fine', { q: 'bad\u0000' }], 'k\ud800': 1 }, 'body');
    expect(issues.map((i) => i.path)).toEqual(['items.1.q', '']);
    expect(issues[1]!.message).toMatch(/field name/);
  });

  it('the chain answers 400 naming the header for an Idempotency-Key with a NUL (before the route runs)', async () => {
    let ran = false;
    const route = httpHandler<{ q: string }>(
      { route: 't', auth: false, body: z.object({ q: z.string() }) },
      async () => {
        ran = true;
        return { body: {} };
      },
    );
    const spec = {
      id: 't',
      method: 'POST',
      path: '/t',
      entry: 'x',
      memoryMb: 128,
      timeoutSeconds: 5,
    } as const;
    const event = {
      httpMethod: 'POST',
      path: '/t',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k\u0000ey' },
      body: '{"q":"hello"}',
      isBase64Encoded: false,
      requestContext: { requestId: 'r1' },
    } as unknown as APIGatewayProxyEvent;
    const r = await route(event, lambdaContext(spec as never, 'r1'));
    expect(r.statusCode).toBe(400);
    const body = JSON.parse(r.body);
    expect(body.error.code).toBe('validation_error');
    expect(body.error.details[0]).toMatchObject({ in: 'header', path: 'idempotency-key' });
    expect(ran).toBe(false);
  });
});
