import { type CircuitBreaker, CircuitOpenError } from './circuit-breaker';
import type { L2 } from './l2';
import { L2TimeoutError } from './l2';
import type { CacheMetrics } from './metrics';

export interface GuardedL2Options {
  timeoutMs: number;
  breaker: CircuitBreaker;
  metrics: CacheMetrics;
}

function withTimeout<T>(p: Promise<T>, ms: number, op: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  // The underlying call may settle later: never let that become an unhandled rejection.
  p.catch(() => {});
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new L2TimeoutError(op, ms)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function reasonOf(err: unknown): string {
  if (err instanceof CircuitOpenError) return 'circuit_open';
  if (err instanceof L2TimeoutError) return 'timeout';
  return 'error';
}

/**
 * Every L2 call bounded by a time-out and routed through a circuit breaker; latency and failures reported.
 * Callers still see rejections (the tiered cache turns them into misses).
 */
export function guardL2(inner: L2, opts: GuardedL2Options): L2 & { readonly breaker: CircuitBreaker } {
  const { breaker, metrics, timeoutMs } = opts;
  const call = async <T>(op: string, fn: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      const out = await breaker.run(() => withTimeout(fn(), timeoutMs, op));
      metrics.timing('L2Latency', performance.now() - started, { op, adapter: inner.adapter });
      return out;
    } catch (err) {
      metrics.count('CacheL2Error', { op, reason: reasonOf(err) });
      throw err;
    }
  };
  return {
    adapter: inner.adapter,
    breaker,
    get: (key) => call('get', () => inner.get(key)),
    set: (key, value, ttlMs) => call('set', () => inner.set(key, value, ttlMs)),
    setNX: (key, value, ttlMs) => call('setnx', () => inner.setNX(key, value, ttlMs)),
    del: (...keys) => call('del', () => inner.del(...keys)),
    incr: (key, ttlMs) => call('incr', () => inner.incr(key, ttlMs)),
    ping: () => call('ping', () => inner.ping()),
    close: () => inner.close(),
  };
}
