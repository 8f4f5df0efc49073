import { createHash } from 'node:crypto';

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
  /**
   * Runs a Lua script atomically (EVALSHA, falling back to EVAL once when the server does not know it).
   * Keys get the adapter's key prefix. `timeoutMs` is this call's own budget (the rate limiter's, not the
   * cache's fail-fast bound), counted from when the command is sent.
   */
  evalScript(
    script: LuaScript,
    keys: string[],
    args: Array<string | number>,
    timeoutMs?: number,
  ): Promise<unknown>;
  /** PING; `timeoutMs` overrides the adapter's bound (the breaker's recovery probe is more patient). */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface LuaScript {
  readonly lua: string;
  readonly sha: string;
}

export function luaScript(lua: string): LuaScript {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

export class L2TimeoutError extends Error {
  constructor(op: string, ms: number) {
    super(`L2 ${op} timed out after ${ms} ms`);
    this.name = 'L2TimeoutError';
  }
}

/**
 * Bounds `start()` by `ms`, counted from when it is called (callers call it when the command is sent, not
 * while it waits for a connection). Tolerant of event-loop lag: when the timer fires, the rejection is
 * deferred to the check phase (`setImmediate`), after the poll phase has read whatever replies are already
 * sitting in the socket. On a busy instance a timer that fires late would otherwise beat a reply that
 * arrived long before the deadline — the way a saturated process used to trip the breaker and skip leases.
 */
export function boundedCall<T>(start: () => Promise<T>, ms: number, op: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (settled) return;
        settled = true;
        reject(new L2TimeoutError(op, ms));
      });
    }, ms);
    let p: Promise<T>;
    try {
      p = start();
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (v) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(v);
      },
      (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

export function isNoScriptError(err: unknown): boolean {
  return err instanceof Error && /NOSCRIPT/i.test(err.message);
}
