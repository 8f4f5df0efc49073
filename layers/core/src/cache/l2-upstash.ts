import { Redis } from '@upstash/redis';
import { boundedCall, isNoScriptError, type L2 } from './l2';

export interface UpstashL2Options {
  /** UPSTASH_REDIS_REST_URL */
  url: string;
  /** UPSTASH_REDIS_REST_TOKEN */
  token: string;
  keyPrefix?: string;
  /** Each HTTP request is aborted after this long. */
  requestTimeoutMs: number;
}

/**
 * @upstash/redis adapter (Redis over HTTPS; nothing to connect, nothing to keep open). No client retries
 * (the circuit breaker decides), a per-request abort signal, raw strings (no automatic JSON parsing).
 */
export function createUpstashL2(opts: UpstashL2Options): L2 & { readonly client: Redis } {
  const prefix = opts.keyPrefix ?? '';
  const client = new Redis({
    url: opts.url,
    token: opts.token,
    retry: { retries: 0 },
    automaticDeserialization: false,
    enableTelemetry: false,
    readYourWrites: false,
    keepAlive: true,
    // The abort is a backstop (a wall-clock timer that fires on a lagging loop); each call has its own bound.
    signal: () => AbortSignal.timeout(Math.max(1_000, opts.requestTimeoutMs * 5)),
  });
  const run = <T>(op: string, fn: () => Promise<T>, bound = opts.requestTimeoutMs): Promise<T> =>
    boundedCall(fn, bound, op);
  const ms = (ttlMs: number) => Math.max(1, Math.round(ttlMs));
  // Scripts (the rate limiter) have their own budget: one client per distinct budget, made on first use.
  const scriptClients = new Map<number, Redis>();
  const scriptClient = (timeoutMs: number | undefined): Redis => {
    if (timeoutMs === undefined || timeoutMs === opts.requestTimeoutMs) return client;
    let c = scriptClients.get(timeoutMs);
    if (!c) {
      c = new Redis({
        url: opts.url,
        token: opts.token,
        retry: { retries: 0 },
        automaticDeserialization: false,
        enableTelemetry: false,
        readYourWrites: false,
        keepAlive: true,
        enableAutoPipelining: false,
        signal: () => AbortSignal.timeout(Math.max(1_000, timeoutMs * 2)),
      });
      scriptClients.set(timeoutMs, c);
    }
    return c;
  };
  return {
    adapter: 'upstash',
    client,
    async get(key) {
      const v = await run('get', () => client.get<string>(prefix + key));
      return v ?? null;
    },
    async set(key, value, ttlMs) {
      await run('set', () => client.set(prefix + key, value, { px: ms(ttlMs) }));
    },
    async setNX(key, value, ttlMs) {
      const r = await run('setnx', () => client.set(prefix + key, value, { px: ms(ttlMs), nx: true }));
      return r === 'OK';
    },
    async del(...keys) {
      if (keys.length === 0) return 0;
      return run('del', () => client.del(...keys.map((k) => prefix + k)));
    },
    async incr(key, ttlMs) {
      const n = await run('incr', () => client.incr(prefix + key));
      if (n === 1) await run('pexpire', () => client.pexpire(prefix + key, ms(ttlMs)));
      return n;
    },
    async evalScript(script, keys, args, timeoutMs) {
      const c = scriptClient(timeoutMs);
      const full = keys.map((k) => prefix + k);
      const argv = args.map(String);
      return boundedCall(
        async () => {
          try {
            return await c.evalsha(script.sha, full, argv);
          } catch (err) {
            if (!isNoScriptError(err)) throw err;
            return c.eval(script.lua, full, argv);
          }
        },
        timeoutMs ?? opts.requestTimeoutMs,
        'eval',
      );
    },
    async ping(timeoutMs) {
      await run('ping', () => scriptClient(timeoutMs).ping(), timeoutMs);
    },
    async close() {
      // stateless HTTP client
    },
  };
}
