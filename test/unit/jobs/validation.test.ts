import { describe, expect, it } from 'vitest';
import { ValidationError } from '#core/errors';
import { canonicalJson } from '#core/hash';
import { loadJobsConfig } from '#core/jobs/config';
import { idempotencyRecordId } from '#core/jobs/hash';
import { decodeJobMessage, encodeJobMessage, PoisonMessageError } from '#core/jobs/message';
import { parseIdempotencyKey, parseStartBody, parseTaskId } from '#core/jobs/validation';

const MAX = 100;

function validationDetails(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).details;
  }
  throw new Error('expected a ValidationError');
}

describe('start body', () => {
  it('normalises a single query with the default depth and trims it', () => {
    expect(parseStartBody({ query: '  Expand to Spain?  ' }, MAX)).toEqual({
      kind: 'single',
      item: { query: 'Expand to Spain?', depth: 'standard' },
    });
  });

  it('normalises bulk items given as strings or objects, a top-level depth being their default', () => {
    expect(parseStartBody({ queries: ['a?', { query: 'b?', depth: 'quick' }], depth: 'deep' }, MAX)).toEqual({
      kind: 'bulk',
      items: [
        { query: 'a?', depth: 'deep' },
        { query: 'b?', depth: 'quick' },
      ],
    });
  });

  it('rejects a missing query, both query and queries, and an empty query', () => {
    expect(JSON.stringify(validationDetails(() => parseStartBody({}, MAX)))).toContain('exactly one of');
    expect(
      JSON.stringify(validationDetails(() => parseStartBody({ query: 'a', queries: ['b'] }, MAX))),
    ).toContain('exactly one of');
    expect(JSON.stringify(validationDetails(() => parseStartBody({ query: '   ' }, MAX)))).toContain('empty');
  });

  it('rejects an oversized query, naming the limit', () => {
    const details = validationDetails(() => parseStartBody({ query: 'x'.repeat(MAX + 1) }, MAX));
    expect(JSON.stringify(details)).toContain(`at most ${MAX} characters`);
    expect(parseStartBody({ query: 'x'.repeat(MAX) }, MAX).kind).toBe('single');
  });

  it('rejects more than 10 bulk queries, an empty list, unknown fields and a bad depth', () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `q${i}`);
    expect(JSON.stringify(validationDetails(() => parseStartBody({ queries: eleven }, MAX)))).toContain(
      'at most 10',
    );
    expect(parseStartBody({ queries: eleven.slice(0, 10) }, MAX).kind).toBe('bulk');
    expect(JSON.stringify(validationDetails(() => parseStartBody({ queries: [] }, MAX)))).toContain('empty');
    validationDetails(() => parseStartBody({ query: 'a', extra: 1 }, MAX));
    validationDetails(() => parseStartBody({ query: 'a', depth: 'bottomless' }, MAX));
    validationDetails(() => parseStartBody({ query: 42 }, MAX));
  });
});

describe('task id and Idempotency-Key', () => {
  it('accepts a UUID task id and rejects anything else', () => {
    const id = '3f1c2b8e-8a51-4d6e-9b1a-0c2d3e4f5a6b';
    expect(parseTaskId(id)).toBe(id);
    validationDetails(() => parseTaskId('not-a-uuid'));
    validationDetails(() => parseTaskId(`idem#${'a'.repeat(64)}`));
  });

  it('accepts visible ASCII keys up to 255 characters', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey('order-42_retry:1')).toBe('order-42_retry:1');
    validationDetails(() => parseIdempotencyKey(''));
    validationDetails(() => parseIdempotencyKey('has space'));
    validationDetails(() => parseIdempotencyKey('k'.repeat(256)));
  });
});

describe('hashing', () => {
  it('canonical JSON ignores key order and undefined fields', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"x":1,"y":2}]},"b":1}',
    );
  });

  it('scopes idempotency records to org, user, key and item index', () => {
    const base = idempotencyRecordId('org-1', 'user-1', 'k', 0);
    expect(base).toMatch(/^idem#[0-9a-f]{64}$/);
    expect(idempotencyRecordId('org-1', 'user-1', 'k', 0)).toBe(base);
    expect(idempotencyRecordId('org-2', 'user-1', 'k', 0)).not.toBe(base);
    expect(idempotencyRecordId('org-1', 'user-2', 'k', 0)).not.toBe(base);
    expect(idempotencyRecordId('org-1', 'user-1', 'k2', 0)).not.toBe(base);
    expect(idempotencyRecordId('org-1', 'user-1', 'k', 1)).not.toBe(base);
  });
});

describe('job message', () => {
  it('round-trips a task id and refuses anything that is not a job message', () => {
    const id = '3f1c2b8e-8a51-4d6e-9b1a-0c2d3e4f5a6b';
    expect(decodeJobMessage(encodeJobMessage(id))).toEqual({ v: 1, task_id: id });
    expect(() => decodeJobMessage('{nope')).toThrow(PoisonMessageError);
    expect(() => decodeJobMessage('{"v":1,"task_id":"x"}')).toThrow(PoisonMessageError);
  });
});

describe('jobs config', () => {
  it('has defaults and refuses a lease that is not shorter than the visibility timeout', () => {
    const c = loadJobsConfig({});
    expect(c.JOBS_MAX_RECEIVE_COUNT).toBe(3);
    expect(c.JOBS_VISIBILITY_TIMEOUT_SECONDS).toBeGreaterThan(c.JOBS_LEASE_SECONDS);
    expect(() => loadJobsConfig({ JOBS_LEASE_SECONDS: '60', JOBS_VISIBILITY_TIMEOUT_SECONDS: '60' })).toThrow(
      ValidationError,
    );
  });
});
