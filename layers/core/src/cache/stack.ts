import { notBundled } from '../bundle-flags';
import { type MetricsSink, noopSink, safeSink } from '../observability/metrics';
import { CircuitBreaker } from './circuit-breaker';
import { type Clock, systemClock } from './clock';
import type { CacheConfig } from './config';
import { guardL2 } from './guarded-l2';
import { L1Cache } from './l1';
import type { L2 } from './l2';
import { createIoredisL2 } from './l2-ioredis';
import { createUpstashL2 } from './l2-upstash';
import { TieredCache } from './tiered';

export interface CacheStack {
  tiered: TieredCache;
  /** The guarded L2 (time-outs + circuit breaker), also usable for counters (rate limits); null without L2. */
  l2: (L2 & { readonly breaker: CircuitBreaker }) | null;
  /**
   * Starts the L2 connection without waiting for it and without counting a failure against the breaker.
   * Call it at module scope (Lambda INIT) so the first request does not pay the TCP/TLS handshake.
   */
  warm(): void;
  close(): Promise<void>;
}

export interface CacheStackOptions {
  clock?: Clock;
  /** First poll interval of a lease loser. */
  leasePollMs?: number;
}

function rawL2(config: CacheConfig, metrics: MetricsSink): L2 | null {
  const l2 = config.l2;
  switch (l2.kind) {
    case 'redis':
      // A stage bundled for another L2 carries no ioredis (see bundle-flags.ts).
      return process.env.CEO_BUNDLE_CACHE_PROVIDER === 'upstash' ||
        process.env.CEO_BUNDLE_CACHE_PROVIDER === 'none'
        ? notBundled('The Redis (ElastiCache) client', process.env.CEO_BUNDLE_CACHE_PROVIDER)
        : createIoredisL2({
            url: l2.url,
            keyPrefix: config.keyPrefix,
            connectTimeoutMs: config.l2ConnectTimeoutMs,
            commandTimeoutMs: config.l2TimeoutMs,
            onError: () => metrics.count('CacheL2ConnectionError', { adapter: 'redis' }),
          });
    case 'upstash':
      return process.env.CEO_BUNDLE_CACHE_PROVIDER === 'elasticache' ||
        process.env.CEO_BUNDLE_CACHE_PROVIDER === 'none'
        ? notBundled('The Upstash client', process.env.CEO_BUNDLE_CACHE_PROVIDER)
        : createUpstashL2({
            url: l2.url,
            token: l2.token,
            keyPrefix: config.keyPrefix,
            requestTimeoutMs: config.l2TimeoutMs,
          });
    default:
      return null;
  }
}

/**
 * Builds the cache stack once per instance (module scope): the L1, the chosen L2 behind its circuit breaker,
 * and the tiered cache over both. Nothing connects here; ioredis connects on first use.
 */
export function createCacheStack(
  config: CacheConfig,
  metrics: MetricsSink = noopSink,
  opts: CacheStackOptions = {},
): CacheStack {
  const sink = safeSink(metrics);
  const clock = opts.clock ?? systemClock;
  const inner = rawL2(config, sink);
  const l2 = inner
    ? guardL2(inner, {
        metrics: sink,
        breaker: new CircuitBreaker({
          name: `L2 ${inner.adapter}`,
          failureThreshold: config.breakerFailures,
          cooldownMs: config.breakerCooldownMs,
          clock: systemClock,
          // Active half-open probes: the breaker closes within about one cool-down of Redis coming back,
          // even when no request arrives, and a busy instance gets a patient probe (not the 100 ms bound).
          probe: () => inner.ping(Math.max(1_000, config.l2TimeoutMs)),
          onStateChange: (state) => {
            if (state === 'open') sink.count('CacheBreakerOpen', { adapter: inner.adapter });
          },
        }),
      })
    : null;
  const l1 = new L1Cache({ maxBytes: config.l1MaxBytes, maxEntryBytes: config.l1MaxEntryBytes, clock });
  const tiered = new TieredCache({
    l1,
    l2,
    policies: config.policies,
    keyVersion: config.keyVersion,
    jitter: config.jitter,
    metrics: sink,
    clock,
    leasePollMs: opts.leasePollMs,
  });
  return {
    tiered,
    l2,
    warm() {
      inner?.ping().catch(() => undefined);
    },
    async close() {
      await tiered.drain();
      l2?.breaker.dispose();
      await l2?.close();
    },
  };
}
