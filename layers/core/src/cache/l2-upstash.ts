import { Redis } from '@upstash/redis';
import type { L2 } from './l2';

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
    signal: () => AbortSignal.timeout(opts.requestTimeoutMs),
  });
  const ms = (ttlMs: number) => Math.max(1, Math.round(ttlMs));
  return {
    adapter: 'upstash',
    client,
    async get(key) {
      const v = await client.get<string>(prefix + key);
      return v ?? null;
    },
    async set(key, value, ttlMs) {
      await client.set(prefix + key, value, { px: ms(ttlMs) });
    },
    async setNX(key, value, ttlMs) {
      const r = await client.set(prefix + key, value, { px: ms(ttlMs), nx: true });
      return r === 'OK';
    },
    async del(...keys) {
      if (keys.length === 0) return 0;
      return client.del(...keys.map((k) => prefix + k));
    },
    async incr(key, ttlMs) {
      const n = await client.incr(prefix + key);
      if (n === 1) await client.pexpire(prefix + key, ms(ttlMs));
      return n;
    },
    async ping() {
      await client.ping();
    },
    async close() {
      // stateless HTTP client
    },
  };
}
