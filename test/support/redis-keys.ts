import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** A key prefix of its own for one test file run: tests share the machine's Redis (never FLUSHALL). */
export function uniqueKeyPrefix(label: string): string {
  return `test:${label}:${randomBytes(5).toString('hex')}:`;
}

/** Deletes every key under `prefix` on the Redis at `url` (SCAN + DEL); returns how many it deleted. */
export async function deleteKeys(prefix: string, url: string): Promise<number> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  r.on('error', () => {});
  await r.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    await r.quit();
  }
  return deleted;
}
