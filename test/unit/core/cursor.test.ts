import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '#core/decisions/cursor';
import { ValidationError } from '#core/errors';

describe('keyset cursor', () => {
  const c = { t: '2026-11-28T03:42:10.590123Z', id: '3f032c5c-d773-400e-b48f-c5e04aec536d' };

  it('round-trips an opaque, URL-safe string', () => {
    const s = encodeCursor(c);
    expect(s).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(s)).toEqual(c);
  });

  it.each([
    ['not base64', '!!!'],
    ['valid base64 of junk', Buffer.from('hello').toString('base64url')],
    ['wrong shape', Buffer.from(JSON.stringify({ t: c.t })).toString('base64url')],
    ['bad timestamp', Buffer.from(JSON.stringify(['yesterday', c.id])).toString('base64url')],
    ['bad uuid', Buffer.from(JSON.stringify([c.t, 'x'])).toString('base64url')],
    ['too long', 'a'.repeat(300)],
    ['month 13', Buffer.from(JSON.stringify(['2026-13-01T00:00:00.000000Z', c.id])).toString('base64url')],
    ['30 February', Buffer.from(JSON.stringify(['2026-02-30T00:00:00.000000Z', c.id])).toString('base64url')],
    ['hour 25', Buffer.from(JSON.stringify(['2026-01-01T25:00:00.000000Z', c.id])).toString('base64url')],
    ['year 0000', Buffer.from(JSON.stringify(['0000-01-01T00:00:00.000000Z', c.id])).toString('base64url')],
  ])('rejects %s with a validation error', (_name, s) => {
    expect(() => decodeCursor(s)).toThrow(ValidationError);
  });
});
