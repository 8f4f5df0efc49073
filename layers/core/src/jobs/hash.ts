import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal values hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The DynamoDB key of an idempotency record: scoped to org and user so one tenant's key never matches
 * another's. The `idem#` prefix keeps these items apart from jobs (whose task ids are UUIDs).
 */
export function idempotencyRecordId(orgId: string, userId: string, key: string, index?: number): string {
  const scope = canonicalJson({ orgId, userId, key, index: index ?? null });
  return `idem#${sha256Hex(scope)}`;
}
