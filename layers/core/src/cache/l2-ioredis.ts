import { Redis } from 'ioredis';
import { withTimeout } from '../timeout';
import { boundedCall, isNoScriptError, type L2 } from './l2';

export interface IoredisL2Options {
  /** `redis://…` or `rediss://…` (TLS, e.g. ElastiCache in-transit encryption). */
  url: string;
  keyPrefix?: string;
  connectTimeoutMs: number;
  /**
   * Per-command bound, counted from when the command is written to a ready connection (not from the call),
   * tolerant of event-loop lag (see `boundedCall`). Waiting for a connection is bounded by the same time.
   */
  commandTimeoutMs: number;
  /** Reconnect back-off cap (default 500 ms): how soon a returning Redis is noticed. */
  maxReconnectDelayMs?: number;
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
    // A backstop only (it counts from the call and fires on a lagging loop); each call has its own bound.
    commandTimeout: Math.max(5_000, opts.commandTimeoutMs * 10),
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), opts.maxReconnectDelayMs ?? 500),
    connectionName: 'ceo-agent-cache',
    disableClientInfo: true,
  });
  client.on('error', (err: Error) => opts.onError?.(err));

  // Commands are never queued while disconnected; a call waits for the connection at most one command
  // time-out and then fails without sending anything (so a late command never lands after its caller gave up).
  let readyPromise: Promise<void> | undefined;
  const ready = async (waitMs = opts.commandTimeoutMs): Promise<void> => {
    if (client.status === 'ready') return;
    // The last attempt failed and ioredis is waiting to retry: Redis is down, fail at once (no wait per call).
    if (client.status === 'reconnecting') throw new Error('redis not connected (status reconnecting)');
    if (client.status === 'wait' || client.status === 'end') client.connect().catch(() => {});
    readyPromise ??= new Promise<void>((resolve) => {
      client.once('ready', () => {
        readyPromise = undefined;
        resolve();
      });
    });
    await withTimeout(readyPromise, waitMs, 'redis connect', () => {
      return new Error(`redis not connected (status ${client.status})`);
    });
  };

  /** Waits for the connection, then bounds the command itself from when it is sent. */
  const run = async <T>(op: string, fn: () => Promise<T>, ms = opts.commandTimeoutMs): Promise<T> => {
    await ready(ms);
    return boundedCall(fn, ms, op);
  };

  return {
    adapter: 'redis',
    client,
    get: (key) => run('get', () => client.get(prefix + key)),
    async set(key, value, ttlMs) {
      await run('set', () => client.set(prefix + key, value, 'PX', Math.max(1, Math.round(ttlMs))));
    },
    async setNX(key, value, ttlMs) {
      const r = await run('setnx', () =>
        client.set(prefix + key, value, 'PX', Math.max(1, Math.round(ttlMs)), 'NX'),
      );
      return r === 'OK';
    },
    async del(...keys) {
      if (keys.length === 0) return 0;
      return run('del', () => client.del(...keys.map((k) => prefix + k)));
    },
    async incr(key, ttlMs) {
      const n = await run('incr', () => client.incr(prefix + key));
      if (n === 1) await run('pexpire', () => client.pexpire(prefix + key, Math.max(1, Math.round(ttlMs))));
      return n;
    },
    async evalScript(script, keys, args, timeoutMs) {
      const full = keys.map((k) => prefix + k);
      return run(
        'eval',
        async () => {
          try {
            return await client.evalsha(script.sha, full.length, ...full, ...args);
          } catch (err) {
            if (!isNoScriptError(err)) throw err;
            return client.eval(script.lua, full.length, ...full, ...args);
          }
        },
        timeoutMs,
      );
    },
    async ping(timeoutMs) {
      await run('ping', () => client.ping(), timeoutMs);
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
