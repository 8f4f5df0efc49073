import { createHash } from 'node:crypto';

/**
 * The one way to hash a value in the core: canonical JSON (keys sorted at every depth) through SHA-256. Cache
 * keys, idempotency records and request-body hashes all use it, so equal values hash equally everywhere.
 */
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
