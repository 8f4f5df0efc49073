import { canonicalJson, sha256Hex } from '../hash';

/**
 * Cache keys: `v{n}:{org}:{kind}:{name}:{sha256(canonical json)}`. Always versioned, always scoped to an
 * org, never md5. Built only through `buildCacheKey`, so a key without an org cannot exist.
 */
export type CacheKey = string & { readonly __brand: 'CacheKey' };

export interface CacheKeyInput {
  /** Schema version of the cached shape; bump it to invalidate every key at once. */
  version?: number;
  org: string;
  kind: string;
  name: string;
  /** Everything the cached value depends on; hashed as canonical JSON. */
  parts: unknown;
}

const SEGMENT_RE = /^[A-Za-z0-9_.-]+$/;

/** Builds a namespaced, versioned, org-scoped key. Refuses an empty org and segments containing ':'. */
export function buildCacheKey(input: CacheKeyInput): CacheKey {
  const version = input.version ?? 1;
  if (!Number.isInteger(version) || version < 1) {
    throw new TypeError(`cache key version must be a positive integer, got ${String(version)}`);
  }
  const org = typeof input.org === 'string' ? input.org.trim() : '';
  if (org === '') throw new TypeError('cache key refused: empty org (every cache key is scoped to an org)');
  if (!SEGMENT_RE.test(org))
    throw new TypeError(`cache key refused: org "${org}" has characters outside [A-Za-z0-9_.-]`);
  if (!SEGMENT_RE.test(input.kind)) throw new TypeError(`cache key refused: bad kind "${input.kind}"`);
  if (!SEGMENT_RE.test(input.name)) throw new TypeError(`cache key refused: bad name "${input.name}"`);
  return `v${version}:${org}:${input.kind}:${input.name}:${sha256Hex(canonicalJson(input.parts))}` as CacheKey;
}

/** The `kind` segment of a key built by `buildCacheKey`. */
export function kindOfKey(key: CacheKey): string | undefined {
  return key.split(':')[2];
}
