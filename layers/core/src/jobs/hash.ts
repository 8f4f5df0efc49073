import { canonicalJson, sha256Hex } from '../hash';

/**
 * The DynamoDB key of an idempotency record: scoped to org and user so one tenant's key never matches
 * another's. The `idem#` prefix keeps these items apart from jobs (whose task ids are UUIDs).
 */
export function idempotencyRecordId(orgId: string, userId: string, key: string, index?: number): string {
  const scope = canonicalJson({ orgId, userId, key, index: index ?? null });
  return `idem#${sha256Hex(scope)}`;
}
