import { createHash } from 'node:crypto';

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

function canonicalize(value: unknown, path: string): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    return value.map((v, i) => {
      const c = canonicalize(v, `${path}[${i}]`);
      return c === undefined ? null : c;
    });
  }
  if (value instanceof Map || value instanceof Set) {
    throw new TypeError(
      `canonicalJson: ${path} is a ${value.constructor.name}; convert it to an object/array`,
    );
  }
  const out: Record<string, unknown> = {};
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj).sort()) {
    const c = canonicalize(obj[k], `${path}.${k}`);
    if (c !== undefined) out[k] = c;
  }
  return out;
}

/** JSON with object keys sorted at every depth and `undefined` members dropped (arrays keep `null`). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value, '$')) ?? 'null';
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

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
