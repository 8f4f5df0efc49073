import { describe, expect, it } from 'vitest';
import { buildCacheKey } from '#core/cache/keys';
import { canonicalJson, sha256Hex } from '#core/hash';

describe('cache keys', () => {
  it('canonical JSON sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, undefined], c: undefined, b: 'x' } })).toBe(
      '{"a":{"b":"x","d":[3,null]},"b":1}',
    );
    expect(canonicalJson({ x: 1, y: undefined })).toBe(canonicalJson({ x: 1 }));
    expect(canonicalJson({ when: new Date('2026-01-02T03:04:05Z'), n: 10n })).toBe(
      '{"n":"10","when":"2026-01-02T03:04:05.000Z"}',
    );
    expect(() => canonicalJson({ m: new Map() })).toThrow(/Map/);
  });

  it('builds v{n}:{org}:{kind}:{name}:{sha256} and is insensitive to key order', () => {
    const k1 = buildCacheKey({ version: 3, org: 'org-1', kind: 'skill', name: 'npv', parts: { a: 1, b: 2 } });
    const k2 = buildCacheKey({ version: 3, org: 'org-1', kind: 'skill', name: 'npv', parts: { b: 2, a: 1 } });
    expect(k1).toBe(k2);
    expect(k1).toBe(`v3:org-1:skill:npv:${sha256Hex('{"a":1,"b":2}')}`);
    expect(k1).toMatch(/^v3:org-1:skill:npv:[0-9a-f]{64}$/);
  });

  it('differs by org, version, kind, name and parts', () => {
    const base = { version: 1, org: 'o1', kind: 'answer', name: 'analyze', parts: { q: 'x' } };
    const k = buildCacheKey(base);
    for (const change of [
      { org: 'o2' },
      { version: 2 },
      { kind: 'skill' },
      { name: 'other' },
      { parts: { q: 'y' } },
    ]) {
      expect(buildCacheKey({ ...base, ...change })).not.toBe(k);
    }
  });

  it('refuses an empty org and segments that could collide', () => {
    const base = { kind: 'answer', name: 'analyze', parts: {} };
    expect(() => buildCacheKey({ ...base, org: '' })).toThrow(/empty org/);
    expect(() => buildCacheKey({ ...base, org: '   ' })).toThrow(/empty org/);
    expect(() => buildCacheKey({ ...base, org: 'a:b' })).toThrow(/org/);
    expect(() => buildCacheKey({ ...base, org: 'o', kind: 'x:y' })).toThrow(/kind/);
    expect(() => buildCacheKey({ ...base, org: 'o', version: 0 })).toThrow(/version/);
  });
});
