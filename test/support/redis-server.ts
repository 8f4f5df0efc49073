import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { closedPort } from './ports';

/**
 * A throw-away `redis-server` on a loopback port of its own (no persistence), for tests and benchmarks that
 * stop and restart Redis. `stop()` kills it; `start()` brings it back on the same port and resolves once it
 * answers PING. Always `stop()` it in afterAll.
 */
export interface RedisProcess {
  port: number;
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly running: boolean;
}

export async function startRedisServer(port?: number): Promise<RedisProcess> {
  const p = port ?? (await closedPort());
  let child: ChildProcess | undefined;
  const start = async () => {
    if (child) return;
    child = spawn(
      'redis-server',
      [
        '--port',
        String(p),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'yes',
      ],
      { stdio: 'ignore' },
    );
    const c = child;
    c.once('exit', () => {
      if (child === c) child = undefined;
    });
    // ready when it answers PING (each try waits for the connection or its refusal, not for a timer)
    for (let i = 0; i < 400; i++) {
      const r = new Redis(p, '127.0.0.1', {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      r.on('error', () => {});
      try {
        await r.connect();
        await r.ping();
        r.disconnect();
        return;
      } catch {
        r.disconnect();
        await new Promise((res) => setTimeout(res, 10));
      }
    }
    throw new Error(`redis-server on port ${p} did not start`);
  };
  const stop = async () => {
    const c = child;
    if (!c) return;
    child = undefined;
    const exited = once(c, 'exit');
    c.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    start,
    stop,
    get running() {
      return child !== undefined;
    },
  };
}
