/**
 * A child process of load/bench-ratelimit.ts and load/bench-resilience.ts: one "runtime" with its own cache
 * stack (own Redis connection). Prints `ready`, waits for `go` on stdin, runs its part and prints one JSON line.
 *   limit    <prefix> <requests> <inFlight>   → {"ok": admitted}
 *   stampede <prefix> <requests> <key>        → {"runs": loader runs}
 */
import './bench-env';
import { createInterface } from 'node:readline';
import { createCacheStack } from '../layers/core/src/cache';
import { loadCacheConfig } from '../layers/core/src/cache/config';
import type { CacheKey } from '../layers/core/src/cache/keys';
import { noopSink } from '../layers/core/src/observability/metrics';
import { RateLimiter } from '../layers/core/src/ratelimit/limiter';
import { burst } from '../test/support/burst';
import { spin } from './busy';

const [mode, prefix, requests, extra] = process.argv.slice(2) as [string, string, string, string];
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const stack = createCacheStack(loadCacheConfig({ REDIS_URL, CACHE_KEY_PREFIX: prefix } as NodeJS.ProcessEnv));
await stack.l2!.ping(2_000);
const limiter = new RateLimiter(stack.l2, { RATE_LIMIT_ANALYZE_PER_MIN: 120 }, noopSink);
const lines = createInterface({ input: process.stdin });
console.log('ready');
for await (const line of lines) if (line.trim() === 'go') break;

if (mode === 'limit') {
  const r = await burst([limiter], Number(requests), Number(extra), (l) =>
    l.check('analyze', { org: 'bench-org', subject: 'bench-user' }),
  );
  console.log(JSON.stringify({ ok: r.ok }));
} else {
  let runs = 0;
  const all: Array<Promise<unknown>> = [];
  for (let i = 0; i < Number(requests); i++) {
    spin(0.2);
    all.push(
      stack.tiered.getOrLoad(extra as CacheKey, 'answer', async () => {
        runs++;
        await new Promise((r) => setTimeout(r, 300));
        return { recommendation: 'Expand in 2027' };
      }),
    );
  }
  await Promise.all(all);
  console.log(JSON.stringify({ runs }));
}
limiter.dispose();
await stack.close();
process.exit(0);
