import { afterEach, describe, expect, it } from 'vitest';
import type { Queryable } from '#core/db/types';
import { dataVersionOf, invalidateDataVersion } from '#core/decisions/data-version';

function countingDb(version: { v: number }) {
  let reads = 0;
  const db: Queryable = {
    async query<Row>() {
      reads++;
      return { rows: [{ version: version.v }] as Row[], rowCount: 1 };
    },
    async exec() {},
  };
  return { db, reads: () => reads };
}

describe('org data version cached per instance', () => {
  const prev = process.env.DATA_VERSION_CACHE_MS;
  afterEach(() => {
    process.env.DATA_VERSION_CACHE_MS = prev;
    invalidateDataVersion();
  });

  it('reads once per TTL for concurrent and repeated requests of one org', async () => {
    process.env.DATA_VERSION_CACHE_MS = '2000';
    const v = { v: 3 };
    const { db, reads } = countingDb(v);
    const got = await Promise.all(Array.from({ length: 20 }, () => dataVersionOf(db, 'org-a', 1_000)));
    expect(new Set(got)).toEqual(new Set([3]));
    expect(await dataVersionOf(db, 'org-a', 2_999)).toBe(3);
    expect(reads()).toBe(1);
    v.v = 4;
    expect(await dataVersionOf(db, 'org-a', 3_000)).toBe(4); // TTL passed
    expect(reads()).toBe(2);
  });

  it('sees a change made in this process at once', async () => {
    process.env.DATA_VERSION_CACHE_MS = '60000';
    const v = { v: 1 };
    const { db, reads } = countingDb(v);
    expect(await dataVersionOf(db, 'org-b', 0)).toBe(1);
    v.v = 2;
    invalidateDataVersion('org-b');
    expect(await dataVersionOf(db, 'org-b', 1)).toBe(2);
    expect(reads()).toBe(2);
  });

  it('reads every time with DATA_VERSION_CACHE_MS=0', async () => {
    process.env.DATA_VERSION_CACHE_MS = '0';
    const { db, reads } = countingDb({ v: 1 });
    await dataVersionOf(db, 'org-c');
    await dataVersionOf(db, 'org-c');
    expect(reads()).toBe(2);
  });
});
