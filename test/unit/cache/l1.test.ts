import { describe, expect, it } from 'vitest';
import { L1Cache } from '#core/cache/l1';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const entry = (json: string, hardExpiry = Number.MAX_SAFE_INTEGER) => ({
  json,
  freshUntil: hardExpiry,
  hardExpiry,
});

describe('L1 cache', () => {
  it('expires entries after their TTL, and a read never extends it', () => {
    const c = clock();
    const l1 = new L1Cache({ maxBytes: 10_000, maxEntryBytes: 10_000, clock: c });
    l1.set('k', entry('"v"'), 1_000);
    c.advance(600);
    expect(l1.get('k')?.json).toBe('"v"');
    c.advance(600); // 1 200 ms after the write; the read at 600 ms did not reset the age
    expect(l1.get('k')).toBeUndefined();
  });

  it('never keeps an entry past its absolute hard expiry, whatever the TTL asked', () => {
    const c = clock();
    const l1 = new L1Cache({ maxBytes: 10_000, maxEntryBytes: 10_000, clock: c });
    l1.set('k', entry('"v"', c.now() + 100), 60_000);
    c.advance(101);
    expect(l1.get('k')).toBeUndefined();
    expect(l1.set('gone', entry('"v"', c.now() - 1), 60_000)).toBe(false);
  });

  it('is bounded by serialised bytes: the least recently used entries are evicted', () => {
    const l1 = new L1Cache({ maxBytes: 2_000, maxEntryBytes: 2_000, clock: clock() });
    const value = JSON.stringify('x'.repeat(400)); // ~400 bytes + key + overhead per entry
    for (let i = 0; i < 10; i += 1) l1.set(`key-${i}`, entry(value), 60_000);
    expect(l1.bytes).toBeLessThanOrEqual(2_000);
    expect(l1.size).toBeLessThan(10);
    expect(l1.get('key-0')).toBeUndefined();
    expect(l1.get('key-9')).toBeDefined();
  });

  it('counts multi-byte characters as bytes, and refuses an entry larger than the entry limit', () => {
    const l1 = new L1Cache({ maxBytes: 100_000, maxEntryBytes: 1_000, clock: clock() });
    expect(l1.set('small', entry(JSON.stringify('é'.repeat(100))), 60_000)).toBe(true);
    const before = l1.bytes;
    expect(before).toBeGreaterThan(200); // 'é' is 2 bytes in UTF-8
    expect(l1.set('big', entry(JSON.stringify('é'.repeat(600))), 60_000)).toBe(false);
    expect(l1.get('big')).toBeUndefined();
  });

  it('is a no-op when disabled (0 bytes)', () => {
    const l1 = new L1Cache({ maxBytes: 0, maxEntryBytes: 1, clock: clock() });
    expect(l1.enabled).toBe(false);
    expect(l1.set('k', entry('1'), 1_000)).toBe(false);
    expect(l1.get('k')).toBeUndefined();
  });
});
