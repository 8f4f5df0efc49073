import { randomBytes } from 'node:crypto';
import { CircuitBreaker } from '../cache/circuit-breaker';
import { buildCacheKey } from '../cache/keys';
import { type L2, luaScript } from '../cache/l2';
import { RateLimitedError } from '../errors';
import type { MetricsSink } from '../observability/metrics';
import { loadRateLimitConfig, type RateLimitConfig, rateLimitConfig } from './config';
import { LocalSlidingWindow } from './local-window';

export { loadRateLimitConfig, type RateLimitConfig, rateLimitConfig };

export type Limit = 'analyze' | 'login';

/** One limit applied to one request: at most `max` admissions of (`org`, `name`, `subject`) per 60 s. */
export interface Rule {
  /** Reported in the 429's `details.limit`, e.g. `login_ip`. */
  name: string;
  org: string;
  subject: string;
  max: number;
}

/** An admitted request; `release` gives its slot back for the rules named (e.g. a successful login). */
export interface Ticket {
  readonly scope: 'shared' | 'local' | 'none';
  release(ruleNames: string[]): Promise<void>;
}

const WINDOW_MS = 60_000;

/**
 * Sliding-window log over one sorted set per rule, all rules checked and recorded in one atomic step (all or
 * nothing): a request is admitted only when every rule has room; then its member is added to every set.
 * KEYS: one per rule. ARGV: now (ms), window (ms), member, then one max per key.
 * Returns {1} when admitted, else {0, index of the first full rule (1-based), ms until it has room}.
 * The time comes from the caller (instances' clocks agree to NTP precision; tests inject it).
 */
const ACQUIRE = luaScript(`
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local member = ARGV[3]
local hit = 0
local retry = 0
for i, key in ipairs(KEYS) do
  local max = tonumber(ARGV[3 + i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local n = redis.call('ZCARD', key)
  if n >= max then
    if hit == 0 then hit = i end
    local freeing = redis.call('ZRANGE', key, n - max, n - max, 'WITHSCORES')
    local wait = window
    if freeing[2] then wait = tonumber(freeing[2]) + window - now end
    if wait > retry then retry = wait end
  end
end
if hit > 0 then return {0, hit, retry} end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
end
return {1, 0, 0}
`);

const RELEASE = luaScript(`
for i, key in ipairs(KEYS) do redis.call('ZREM', key, ARGV[1]) end
return 1
`);

const PING = luaScript('return 1');

export interface RateLimiterOptions {
  now?: () => number;
}

/**
 * Rate limits shared by every instance through Redis: an atomic sliding-window log (one Lua script per
 * request, so bursts across instances cannot over-admit), with its own time budget
 * (`RATE_LIMIT_REDIS_TIMEOUT_MS`) and its own circuit breaker — not the cache's 100 ms fail-fast.
 *
 * When Redis cannot answer (no L2 configured, down, timed out, breaker open) the limit still holds: each
 * instance enforces its share, ceil(limit / RATE_LIMIT_INSTANCES), from an in-process sliding window that also
 * remembers what this instance admitted through Redis. Login is limited per email (a success is given back),
 * per source IP and globally, and an instance refuses an email by itself after
 * RATE_LIMIT_LOGIN_LOCAL_FAILURES failed attempts in the window (fails closed).
 */
export class RateLimiter {
  private readonly local = new LocalSlidingWindow(WINDOW_MS);
  private readonly failures = new LocalSlidingWindow(WINDOW_MS);
  private readonly breaker: CircuitBreaker;
  private readonly now: () => number;
  readonly config: RateLimitConfig;

  constructor(
    private readonly l2: L2 | null,
    config: Partial<RateLimitConfig>,
    private readonly metrics: MetricsSink,
    now: (() => number) | RateLimiterOptions = Date.now,
  ) {
    this.config = rateLimitConfig(config);
    this.now = typeof now === 'function' ? now : (now.now ?? Date.now);
    const budget = this.config.RATE_LIMIT_REDIS_TIMEOUT_MS;
    this.breaker = new CircuitBreaker({
      name: 'rate limiter',
      failureThreshold: 3,
      cooldownMs: 1_000,
      clock: { now: () => Date.now() },
      probe: l2 ? () => l2.evalScript(PING, [], [], Math.max(budget, 1_000)) : undefined,
    });
  }

  /** Stops the breaker's recovery probes (tests, shutdown). */
  dispose(): void {
    this.breaker.dispose();
  }

  /** Throws RateLimitedError (429 + Retry-After) when `subject` used up its allowance in the last minute. */
  async check(limit: Limit, scope: { org: string; subject: string }): Promise<void> {
    const rule: Rule =
      limit === 'analyze'
        ? { name: 'analyze_user', ...scope, max: this.config.RATE_LIMIT_ANALYZE_PER_MIN }
        : { name: 'login_email', ...scope, max: this.config.RATE_LIMIT_LOGIN_PER_MIN };
    await this.acquire([rule]);
  }

  /**
   * Before any password work: the email's, the source IP's and the global login allowance, and this
   * instance's failure guard for the email. Call `ticket.succeeded()` after a good password (the attempt is
   * given back to the email's allowance) or `ticket.failed()` after a bad one.
   */
  async checkLogin(input: { email: string; ip: string }): Promise<{ succeeded(): void; failed(): void }> {
    const email = input.email.trim().toLowerCase();
    const c = this.config;
    const failKey = `login-failures:${email}`;
    if (c.RATE_LIMIT_LOGIN_LOCAL_FAILURES > 0) {
      const t = this.now();
      if (this.failures.count(failKey, t) >= c.RATE_LIMIT_LOGIN_LOCAL_FAILURES) {
        const probe = this.failures.tryAcquire([{ key: failKey, max: c.RATE_LIMIT_LOGIN_LOCAL_FAILURES }], t);
        this.metrics.count('RateLimited', { limit: 'login_email_failures' });
        throw new RateLimitedError(probe.ok ? 1 : probe.retryMs / 1000, {
          limit: 'login_email_failures',
          scope: 'local',
        });
      }
    }
    const ticket = await this.acquire([
      { name: 'login_email', org: 'public', subject: email, max: c.RATE_LIMIT_LOGIN_PER_MIN },
      { name: 'login_ip', org: 'public', subject: input.ip, max: c.RATE_LIMIT_LOGIN_IP_PER_MIN },
      { name: 'login_global', org: 'public', subject: '*', max: c.RATE_LIMIT_LOGIN_GLOBAL_PER_MIN },
    ]);
    return {
      succeeded: () => {
        void ticket.release(['login_email']).catch(() => undefined);
      },
      failed: () => {
        if (c.RATE_LIMIT_LOGIN_LOCAL_FAILURES > 0) this.failures.record(failKey, this.now());
      },
    };
  }

  /** Admits the request under every rule (rules with max 0 are off) or throws RateLimitedError. */
  async acquire(all: Rule[]): Promise<Ticket> {
    const rules = all.filter((r) => r.max > 0);
    if (rules.length === 0) return { scope: 'none', release: async () => undefined };
    const t = this.now();
    const keys = rules.map((r) =>
      buildCacheKey({ org: r.org, kind: 'ratelimit', name: r.name, parts: { s: r.subject } }),
    );
    const member = `${t}:${randomBytes(6).toString('hex')}`;
    if (this.l2) {
      let reply: unknown;
      let answered = false;
      try {
        reply = await this.breaker.run(() =>
          this.l2!.evalScript(
            ACQUIRE,
            keys,
            [t, WINDOW_MS, member, ...rules.map((r) => r.max)],
            this.config.RATE_LIMIT_REDIS_TIMEOUT_MS,
          ),
        );
        answered = true;
      } catch {
        this.metrics.count('RateLimitFallback', { limit: rules[0]!.name });
      }
      if (answered) {
        const [ok, index, retryMs] = (reply as Array<number | string>).map(Number) as [
          number,
          number,
          number,
        ];
        if (ok === 1) {
          for (const k of keys) this.local.record(k, t);
          return {
            scope: 'shared',
            release: async (names) => {
              const chosen = keys.filter((_, i) => names.includes(rules[i]!.name));
              for (const k of chosen) this.local.release(k);
              if (chosen.length > 0 && this.l2) {
                await this.l2.evalScript(RELEASE, chosen, [member], this.config.RATE_LIMIT_REDIS_TIMEOUT_MS);
              }
            },
          };
        }
        const rule = rules[Math.max(0, index - 1)]!;
        this.metrics.count('RateLimited', { limit: rule.name });
        throw new RateLimitedError(retryMs / 1000, { limit: rule.name, scope: 'shared' });
      }
    }
    // Redis unavailable (or none configured): this instance's share of every limit.
    const n = this.config.RATE_LIMIT_INSTANCES;
    const got = this.local.tryAcquire(
      rules.map((r, i) => ({ key: keys[i]!, max: Math.max(1, Math.ceil(r.max / n)) })),
      t,
    );
    if (!got.ok) {
      const rule = rules[got.index]!;
      this.metrics.count('RateLimited', { limit: rule.name, scope: 'local' });
      throw new RateLimitedError(got.retryMs / 1000, { limit: rule.name, scope: 'local' });
    }
    return {
      scope: 'local',
      release: async (names) => {
        keys.forEach((k, i) => {
          if (names.includes(rules[i]!.name)) this.local.release(k);
        });
      },
    };
  }
}
