import { Redis as Upstash } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstashServer, type UpstashServer } from '../../support/upstash-server';
import { deletePrefix, uniquePrefix } from './redis-support';

describe('Upstash REST stand-in in front of the real Redis, driven by the real @upstash/redis client', () => {
  const prefix = uniquePrefix('upstash-proto');
  let server: UpstashServer;
  let client: Upstash;

  beforeAll(async () => {
    server = await startUpstashServer();
    client = new Upstash({
      url: server.url,
      token: server.token,
      enableTelemetry: false,
      retry: { retries: 0 },
    });
  });

  afterAll(async () => {
    await server.close();
    await deletePrefix(prefix);
  });

  it('round-trips strings (base64-encoded on the wire), JSON values, numbers and null', async () => {
    const before = server.requests;
    await client.set(`${prefix}s`, 'grüße, 東京 ✓');
    expect(await client.get(`${prefix}s`)).toBe('grüße, 東京 ✓');
    await client.set(`${prefix}j`, { a: 1, b: ['x'] });
    expect(await client.get(`${prefix}j`)).toEqual({ a: 1, b: ['x'] });
    expect(await client.incr(`${prefix}n`)).toBe(1);
    expect(await client.get(`${prefix}missing`)).toBeNull();
    expect(server.requests).toBeGreaterThan(before);
  });

  it('runs pipelines and MULTI/EXEC transactions', async () => {
    const p = client.pipeline();
    p.set(`${prefix}p1`, 'one');
    p.incrby(`${prefix}p2`, 5);
    p.get(`${prefix}p1`);
    expect(await p.exec()).toEqual(['OK', 5, 'one']);
    const tx = client.multi();
    tx.hset(`${prefix}h`, { f1: 'v1', f2: 'v2' });
    tx.hgetall(`${prefix}h`);
    expect(await tx.exec()).toEqual([2, { f1: 'v1', f2: 'v2' }]);
  });

  it('rejects a wrong token', async () => {
    const bad = new Upstash({
      url: server.url,
      token: 'wrong',
      enableTelemetry: false,
      retry: { retries: 0 },
    });
    await expect(bad.get(`${prefix}s`)).rejects.toThrow(/Unauthorized/);
  });

  it('reports Redis errors as errors', async () => {
    await client.set(`${prefix}str`, 'text');
    await expect(client.incr(`${prefix}str`)).rejects.toThrow(/not an integer/);
  });

  // Lua needs a real Redis: the embedded RESP stand-in (used only outside CI when none is reachable, see
  // test/support/global-redis.ts) has no script engine. In CI a real Redis is guaranteed, so this always runs there.
  it.skipIf(process.env.TEST_REDIS_EMBEDDED === '1')(
    'rewrites "#!lua flags=" scripts for Redis 7.0 and maps EVALSHA of the original hash (needs a real Redis)',
    async () => {
      const script = client.createScript<number>(
        "#!lua flags=allow-key-locking\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])",
      );
      expect(await script.eval([`${prefix}lua`], ['2'])).toBe(2);
      expect(await script.evalsha([`${prefix}lua`], ['3'])).toBe(5);
      expect(await script.exec([`${prefix}lua`], ['4'])).toBe(9);
    },
  );
});
