import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '#core/errors';
import { errorResponse } from '#core/http/error-response';

const parse = (r: ReturnType<typeof errorResponse>) =>
  JSON.parse(r.result.body) as { error: { code: string; message: string; details?: unknown } };

describe('error mapping', () => {
  it('maps typed errors to their status, code and details', () => {
    const r = errorResponse(new ValidationError('Invalid body', [{ path: 'query' }]), 'c1');
    expect(r.result.statusCode).toBe(400);
    expect(parse(r)).toEqual({
      error: { code: 'validation_error', message: 'Invalid body', details: [{ path: 'query' }] },
    });
    expect(errorResponse(new NotFoundError('Decision'), 'c1').result.statusCode).toBe(404);
  });

  it('turns database connection failures and middy time-outs into 503 with Retry-After', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const r = errorResponse(refused, 'c1');
    expect(r.result.statusCode).toBe(503);
    expect(r.result.headers?.['Retry-After']).toBe('2');
    expect(parse(r).error.code).toBe('upstream_unavailable');
    const timeout = Object.assign(new Error('[AbortError]: The operation was aborted.'), {
      name: 'TimeoutError',
    });
    expect(errorResponse(timeout, 'c1').result.statusCode).toBe(503);
  });

  it('hides unexpected errors behind internal_error with the correlation id', () => {
    const r = errorResponse(new Error('secret detail: password=hunter2'), 'corr-9');
    expect(r.result.statusCode).toBe(500);
    expect(r.result.body).not.toContain('hunter2');
    expect(parse(r).error).toEqual({
      code: 'internal_error',
      message: 'Internal error',
      details: { correlationId: 'corr-9' },
    });
  });

  it('maps AWS SDK server faults, throttling and network failures to 503, client faults not', () => {
    const meta = { $metadata: { httpStatusCode: 500 } };
    const fault = Object.assign(
      new Error('internal'),
      { name: 'InternalServerError', $fault: 'server' },
      meta,
    );
    const throttled = Object.assign(
      new Error('slow down'),
      { name: 'ProvisionedThroughputExceededException' },
      meta,
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }, meta);
    for (const e of [fault, throttled, refused]) {
      const r = errorResponse(e, 'c');
      expect(r.result.statusCode).toBe(503);
      expect(parse(r).error.details).toMatchObject({ dependency: 'aws' });
    }
    const validation = Object.assign(
      new Error('bad key'),
      { name: 'ValidationException', $fault: 'client' },
      meta,
    );
    expect(errorResponse(validation, 'c').result.statusCode).toBe(500);
  });
});
