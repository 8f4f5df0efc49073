import type { MetricsSink } from '../observability/metrics';
import { type CircuitBreaker, CircuitOpenError } from './circuit-breaker';
import type { L2 } from './l2';
import { L2TimeoutError } from './l2';

export interface GuardedL2Options {
  breaker: CircuitBreaker;
  metrics: MetricsSink;
}

function reasonOf(err: unknown): string {
  if (err instanceof CircuitOpenError) return 'circuit_open';
  if (err instanceof L2TimeoutError) return 'timeout';
  return 'error';
}

/**
 * Every L2 call routed through a circuit breaker; latency and failures reported. The adapters bound each
 * call themselves (from when the command is sent, tolerant of event-loop lag: see `boundedCall`). Callers
 * still see rejections (the tiered cache turns them into misses).
 *
 * `evalScript` (the rate limiter's atomic scripts) bypasses this breaker: the limiter has its own time budget
 * and its own breaker, so a slow cache never decides whether requests are limited.
 */
export function guardL2(inner: L2, opts: GuardedL2Options): L2 & { readonly breaker: CircuitBreaker } {
  const { breaker, metrics } = opts;
  const call = async <T>(op: string, fn: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      const out = await breaker.run(fn);
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
    evalScript: (script, keys, args, timeoutMs) => inner.evalScript(script, keys, args, timeoutMs),
    ping: (timeoutMs) => call('ping', () => inner.ping(timeoutMs)),
    close: () => inner.close(),
  };
}
