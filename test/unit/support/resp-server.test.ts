import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RespServer, startRespServer } from '../../support/resp-server';

/** Sends raw bytes in several TCP writes and collects everything the server answers until it closes. */
async function raw(port: number, chunks: string[]): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let out = '';
  const done = new Promise<string>((resolve, reject) => {
    socket.on('data', (d) => {
      out += d.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
  });
  for (const c of chunks) {
    socket.write(Buffer.from(c, 'latin1'));
    await sleep(5); // separate TCP segments: frames split across chunks
  }
  const reply = await done;
  socket.destroy();
  return reply;
}

describe('RESP stand-in driven by the real ioredis client', () => {
  let server: RespServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRespServer();
    // default options: RESP3 HELLO (refused → RESP2), CLIENT SETINFO, INFO ready check
    redis = new Redis(server.url, { lazyConnect: true, connectionName: 'unit', maxRetriesPerRequest: 0 });
    await redis.connect();
  });
  afterAll(async () => {
    await redis.quit();
    await server.close();
  });

  it('completes the ioredis handshake and answers PING, ECHO, CLIENT GETNAME, SELECT 0', async () => {
    expect(redis.status).toBe('ready');
    expect(await redis.ping()).toBe('PONG');
    expect(await redis.echo('hi')).toBe('hi');
    expect(await redis.client('GETNAME')).toBe('unit');
    expect(await redis.select(0)).toBe('OK');
    await expect(redis.select(1)).rejects.toThrow(/out of range/);
  });

  it('GET/SET round-trip any bytes; missing keys are null', async () => {
    expect(await redis.set('s', 'grüße, 東京 ✓')).toBe('OK');
    expect(await redis.get('s')).toBe('grüße, 東京 ✓');
    const bytes = Buffer.from([0, 13, 10, 255, 36, 42]);
    await redis.set('b', bytes);
    expect(await redis.getBuffer('b')).toEqual(bytes);
    expect(await redis.get('missing')).toBeNull();
  });

  it('SET PX expires; PTTL/TTL report -2 missing, -1 without expiry, the remaining time otherwise', async () => {
    await redis.set('px', 'v', 'PX', 60);
    const pttl = await redis.pttl('px');
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(60);
    await redis.set('ex', 'v', 'EX', 100);
    expect(await redis.ttl('ex')).toBe(100);
    await redis.set('forever', 'v');
    expect(await redis.pttl('forever')).toBe(-1);
    expect(await redis.pttl('nope')).toBe(-2);
    await sleep(80);
    expect(await redis.get('px')).toBeNull();
    expect(await redis.exists('px')).toBe(0);
    await expect(redis.set('bad', 'v', 'PX', 0)).rejects.toThrow(/invalid expire time/);
  });

  it('SET NX/XX/GET behave like Redis', async () => {
    expect(await redis.set('nx', 'one', 'PX', 10_000, 'NX')).toBe('OK');
    expect(await redis.set('nx', 'two', 'PX', 10_000, 'NX')).toBeNull();
    expect(await redis.get('nx')).toBe('one');
    expect(await redis.set('xx-missing', 'v', 'XX')).toBeNull();
    expect(await redis.exists('xx-missing')).toBe(0);
    expect(await redis.set('nx', 'three', 'XX', 'GET')).toBe('one');
    expect(await redis.get('nx')).toBe('three');
    // a plain SET clears the TTL, KEEPTTL keeps it
    await redis.set('nx', 'four');
    expect(await redis.pttl('nx')).toBe(-1);
    await redis.pexpire('nx', 10_000);
    await redis.set('nx', 'five', 'KEEPTTL');
    expect(await redis.pttl('nx')).toBeGreaterThan(0);
  });

  it('INCR/INCRBY count (integer replies), keep the TTL, and refuse non-integers', async () => {
    expect(await redis.incr('n')).toBe(1);
    expect(await redis.pexpire('n', 10_000)).toBe(1);
    expect(await redis.incr('n')).toBe(2);
    expect(await redis.incrby('n', 5)).toBe(7);
    expect(await redis.pttl('n')).toBeGreaterThan(0);
    expect(await redis.pexpire('no-such-key', 1000)).toBe(0);
    await redis.set('text', 'abc');
    await expect(redis.incr('text')).rejects.toThrow('ERR value is not an integer or out of range');
    await redis.set('big', '9223372036854775807');
    await expect(redis.incr('big')).rejects.toThrow(/overflow/);
  });

  it('DEL and EXISTS return how many keys (integer replies)', async () => {
    await redis.set('d1', '1');
    await redis.set('d2', '2');
    expect(await redis.exists('d1', 'd2', 'd3', 'd1')).toBe(3);
    expect(await redis.del('d1', 'd2', 'd3')).toBe(2);
    expect(await redis.del('d1')).toBe(0);
  });

  it('SCAN with MATCH and COUNT pages through every key, even when keys are deleted between pages', async () => {
    for (let i = 0; i < 25; i++) await redis.set(`scan:a:${i}`, 'x');
    for (let i = 0; i < 5; i++) await redis.set(`scan:b:${i}`, 'x');
    const seen: string[] = [];
    let cursor = '0';
    let pages = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', 'scan:a:*', 'COUNT', 4);
      cursor = next;
      pages++;
      seen.push(...keys);
      if (keys.length > 0) await redis.del(...keys); // what test/support/redis-keys.ts does
    } while (cursor !== '0');
    expect(pages).toBeGreaterThan(1);
    expect(seen.sort()).toEqual(Array.from({ length: 25 }, (_, i) => `scan:a:${i}`).sort());
    const [, rest] = await redis.scan('0', 'MATCH', 'scan:[ab]:?', 'COUNT', 1000);
    expect(rest.sort()).toEqual(['scan:b:0', 'scan:b:1', 'scan:b:2', 'scan:b:3', 'scan:b:4']);
    await expect(redis.scan('abc')).rejects.toThrow(/invalid cursor/);
  });

  it('pipelines and MULTI/EXEC (errors inside EXEC are per command)', async () => {
    const results = await redis.pipeline().set('p', '1').incr('p').get('p').incr('missing-p').exec();
    expect(results).toEqual([
      [null, 'OK'],
      [null, 2],
      [null, '2'],
      [null, 1],
    ]);
    await redis.set('str', 'text');
    const tx = await redis.multi().hset('h', 'f1', 'v1', 'f2', 'v2').hgetall('h').incr('str').exec();
    expect(tx![0]).toEqual([null, 2]);
    expect(tx![1]).toEqual([null, { f1: 'v1', f2: 'v2' }]);
    expect(tx![2]![0]?.message).toMatch(/not an integer/);
    await expect(redis.get('h')).rejects.toThrow(/^WRONGTYPE/);
  });

  it('answers unknown commands and wrong arity with errors, never OK', async () => {
    await expect(redis.call('FLUSHALL')).rejects.toThrow(/^ERR unknown command 'FLUSHALL'/);
    await expect(redis.eval('return 1', 0)).rejects.toThrow(/unknown command/);
    await expect(redis.call('GET')).rejects.toThrow(/wrong number of arguments for 'get'/);
    await expect(redis.call('SET', 'k', 'v', 'BOGUS')).rejects.toThrow(/syntax error/);
  });

  it('parses inline commands, pipelined input and frames split across TCP chunks', async () => {
    const setFrame = '*3\r\n$3\r\nSET\r\n$5\r\nsplit\r\n$6\r\nv\r\n\r\nx\r\n';
    const reply = await raw(server.port, [
      'PING\r\nECHO hello\r\n*2\r\n$3\r\nGE',
      'T\r\n$1\r\nz\r\n',
      setFrame.slice(0, 25),
      setFrame.slice(25),
      '*2\r\n$3\r\nGET\r\n$5\r\nsplit\r\nQUIT\r\n',
    ]);
    expect(reply).toBe('+PONG\r\n$5\r\nhello\r\n$-1\r\n+OK\r\n$6\r\nv\r\n\r\nx\r\n+OK\r\n');
  });

  it('answers a protocol error and closes the connection', async () => {
    const reply = await raw(server.port, ['*1\r\n+PING\r\n']);
    expect(reply).toMatch(/^-ERR Protocol error/);
  });
});
