/**
 * The one L2 interface (Redis semantics). Two adapters implement it: ioredis over TCP (ElastiCache,
 * self-hosted; `redis://`, `rediss://` for TLS) and @upstash/redis over HTTPS. Values are strings.
 */
export interface L2 {
  readonly adapter: 'redis' | 'upstash';
  get(key: string): Promise<string | null>;
  /** SET key value PX ttlMs */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** SET key value NX PX ttlMs — true when this call created the key (a lease was won). */
  setNX(key: string, value: string, ttlMs: number): Promise<boolean>;
  del(...keys: string[]): Promise<number>;
  /** INCR key; when the counter is new (== 1), PEXPIRE key ttlMs. Fixed-window rate limits. */
  incr(key: string, ttlMs: number): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class L2TimeoutError extends Error {
  constructor(op: string, ms: number) {
    super(`L2 ${op} timed out after ${ms} ms`);
    this.name = 'L2TimeoutError';
  }
}
