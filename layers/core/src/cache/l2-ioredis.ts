import { Redis } from 'ioredis';
import type { L2 } from './l2';

export interface IoredisL2Options {
  /** `redis://…` or `rediss://…` (TLS, e.g. ElastiCache in-transit encryption). */
  url: string;
  keyPrefix?: string;
  connectTimeoutMs: number;
  /** Per-command bound inside ioredis (the guard adds its own bound around every call). */
  commandTimeoutMs: number;
  /** Connection-level errors (the client reconnects by itself); never thrown. */
  onError?: (err: Error) => void;
}

/**
 * ioredis adapter. A dead or unreachable Redis never hangs a request or crashes the process:
 * no offline queue (commands fail at once while disconnected), at most one retry per command, bounded
 * connect and command time-outs, lazy connect, and an 'error' listener. It reconnects in the background.
 */
export function createIoredisL2(opts: IoredisL2Options): L2 & { readonly client: Redis } {
  const prefix = opts.keyPrefix ?? '';
  const client = new Redis(opts.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: opts.connectTimeoutMs,
    commandTimeout: opts.commandTimeoutMs,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
    connectionName: 'ceo-agent-cache',
    disableClientInfo: true,
  });
  client.on('error', (err: Error) => opts.onError?.(err));

  // Commands are never queued while disconnected; a call waits for the connection at most one command
  // time-out and then fails without sending anything (so a late command never lands after its caller gave up).
  let readyPromise: Promise<void> | undefined;
  const ready = async (): Promise<void> => {
    if (client.status === 'ready') return;
    if (client.status === 'wait' || client.status === 'end') client.connect().catch(() => {});
    readyPromise ??= new Promise<void>((resolve) => {
      client.once('ready', () => {
        readyPromise = undefined;
        resolve();
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const ok = await Promise.race([
      readyPromise.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), opts.commandTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!ok) throw new Error(`redis not connected (status ${client.status})`);
  };

  return {
    adapter: 'redis',
    client,
    async get(key) {
      await ready();
      return client.get(prefix + key);
    },
    async set(key, value, ttlMs) {
      await ready();
      await client.set(prefix + key, value, 'PX', Math.max(1, Math.round(ttlMs)));
    },
    async setNX(key, value, ttlMs) {
      await ready();
      const r = await client.set(prefix + key, value, 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
      return r === 'OK';
    },
    async del(...keys) {
      if (keys.length === 0) return 0;
      await ready();
      return client.del(...keys.map((k) => prefix + k));
    },
    async incr(key, ttlMs) {
      await ready();
      const n = await client.incr(prefix + key);
      if (n === 1) await client.pexpire(prefix + key, Math.max(1, Math.round(ttlMs)));
      return n;
    },
    async ping() {
      await ready();
      await client.ping();
    },
    async close() {
      if (client.status === 'ready') {
        await client.quit().catch(() => client.disconnect());
      } else {
        client.disconnect();
      }
    },
  };
}
