import { randomBytes } from 'node:crypto';
import { type MetricsSink, noopSink } from '../observability/metrics';
import { CircuitOpenError } from './circuit-breaker';
import { type Clock, sleep, systemClock } from './clock';
import type { CacheKind, KindPolicy } from './config';
import { buildCacheKey, type CacheKey, kindOfKey } from './keys';
import type { L1Cache, L1Entry } from './l1';
import { type L2, L2TimeoutError } from './l2';

/** Which level answered a read. */
export type CacheLevel = 'l1' | 'l2' | 'source';

export interface CacheResult<T> {
  value: T;
  level: CacheLevel;
  /** Served from the stale-while-revalidate grace window; a background refresh was started. */
  stale: boolean;
}

export interface GetOrLoadOptions<T> {
  /** Store the loaded value only when this says so (e.g. `isCacheable`). The value is returned either way. */
  cacheIf?: (value: T) => boolean;
  /** Overrides of the kind's policy. */
  l1TtlMs?: number;
  l2TtlMs?: number;
  swrMs?: number;
  /** How long a lease loser waits for the winner's value before loading itself. */
  leaseWaitMs?: number;
  /**
   * This caller's cancellation. It detaches only this caller (its call rejects with the signal's reason);
   * a load shared with other callers (single-flight) runs on for them. The loader's own signal aborts only
   * when every caller waiting on it has gone.
   */
  signal?: AbortSignal;
}

/** The loader gets the shared load's signal: aborted only when no caller waits for the value any more. */
export type Loader<T> = (signal: AbortSignal) => Promise<T>;

interface Flight {
  promise: Promise<CacheResult<unknown>>;
  controller: AbortController;
  waiters: number;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export interface TieredCacheOptions {
  l1: L1Cache;
  /** Already guarded (time-outs + circuit breaker); null when there is no L2. */
  l2: L2 | null;
  policies: Record<CacheKind, KindPolicy>;
  keyVersion?: number;
  /** ±fraction applied to every TTL (0.1 = ±10%). */
  jitter?: number;
  metrics?: MetricsSink;
  clock?: Clock;
  /** First poll interval of a lease loser (grows ×1.5 up to 200 ms). */
  leasePollMs?: number;
}

/**
 * Stored in L2 around every value: `{"f":<fresh until>,"h":<hard expiry>,"v":<value json>}` (epoch ms).
 * Absolute deadlines travel with the value, so no hit ever extends a TTL.
 */
interface Envelope {
  f: number;
  h: number;
  /** the value's JSON, sliced out without re-serialising */
  json: string;
}

const ENVELOPE_RE = /^\{"f":(\d+),"h":(\d+),"v":/;

type L2Read = { ok: true; value: string | null } | { ok: false; open: boolean };
/** `unknown`: the SET NX timed out — it may have landed, so ownership is checked before loading. */
type LeaseState = 'won' | 'held' | 'unknown' | 'unavailable';

const LEASE_SUFFIX = ':lease';

function parseEnvelope(raw: string): Envelope | undefined {
  const m = ENVELOPE_RE.exec(raw);
  if (!m || !raw.endsWith('}')) return undefined; // foreign or corrupt entry: a miss
  return { f: Number(m[1]), h: Number(m[2]), json: raw.slice(m[0].length, -1) };
}

/**
 * L1 (in-process LRU) → L2 (Redis) → loader, with back-fill (source → L2 → L1; an L2 hit back-fills L1).
 *
 * - Single-flight: concurrent misses of one key in this instance share one load; the entry is removed when
 *   the load settles, so errors are never cached. A caller's abort detaches only that caller; the load is
 *   cancelled only when every caller waiting on it has gone.
 * - Cross-instance lease: on an L2 miss — or when the L2 read failed or timed out without the circuit being
 *   open — `SET key:lease NX PX`. The winner loads and writes L2; losers poll L2 (bounded by the kind's
 *   `leaseWaitMs`; a failed poll keeps waiting), take the lease over if it is released without a value, and
 *   otherwise load themselves when the wait runs out. A lease SET that timed out may have landed: the caller
 *   then checks whether the lease holds its own token.
 * - Stale-while-revalidate for kinds with `swrMs > 0`: a stale value is served and refreshed once in the
 *   background (once per instance; across instances only the lease winner refreshes).
 * - L2 failures (time-out, circuit open, errors) are misses, never errors.
 */
export class TieredCache {
  readonly keyVersion: number;
  private readonly l1: L1Cache;
  private readonly l2: L2 | null;
  private readonly policies: Record<CacheKind, KindPolicy>;
  private readonly jitter: number;
  private readonly metrics: MetricsSink;
  private readonly clock: Clock;
  private readonly leasePollMs: number;
  private readonly inflight = new Map<string, Flight>();
  private readonly refreshing = new Map<string, Promise<void>>();
  private readonly background = new Set<Promise<unknown>>();

  constructor(opts: TieredCacheOptions) {
    this.l1 = opts.l1;
    this.l2 = opts.l2;
    this.policies = opts.policies;
    this.keyVersion = opts.keyVersion ?? 1;
    this.jitter = opts.jitter ?? 0.1;
    this.metrics = opts.metrics ?? noopSink;
    this.clock = opts.clock ?? systemClock;
    this.leasePollMs = opts.leasePollMs ?? 20;
  }

  /** `v{keyVersion}:{org}:{kind}:{name}:{sha256(canonical json of parts)}` */
  key(org: string, kind: CacheKind, name: string, parts: unknown): CacheKey {
    return buildCacheKey({ version: this.keyVersion, org, kind, name, parts });
  }

  /** Loads in-flight in this instance (for tests and diagnostics). */
  get inflightCount(): number {
    return this.inflight.size;
  }

  /** Callers waiting on in-flight loads in this instance (for tests and diagnostics). */
  get inflightWaiters(): number {
    let n = 0;
    for (const f of this.inflight.values()) n += f.waiters;
    return n;
  }

  async getOrLoad<T>(
    key: CacheKey,
    kind: CacheKind,
    loader: Loader<T>,
    opts: GetOrLoadOptions<T> = {},
  ): Promise<CacheResult<T>> {
    this.assertKind(key, kind);
    const { signal } = opts;
    if (signal?.aborted) throw abortReason(signal);
    const policy = this.policyFor(kind, opts);
    const hit = this.readL1<T>(key, kind, policy);
    if (hit) {
      if (hit.stale) this.refreshInBackground(key, kind, loader, opts);
      return hit;
    }
    let flight = this.inflight.get(key);
    // A load every caller has left is being cancelled: a new caller starts a fresh one.
    if (!flight || flight.controller.signal.aborted) {
      const controller = new AbortController();
      const created: Flight = { promise: Promise.resolve() as never, controller, waiters: 0 };
      created.promise = this.fill(key, kind, () => loader(controller.signal), opts, policy).finally(() => {
        if (this.inflight.get(key) === created) this.inflight.delete(key);
      });
      flight = created;
      this.inflight.set(key, flight);
    }
    return this.attach(flight, signal) as Promise<CacheResult<T>>;
  }

  /** One more caller waits on `flight`; its abort detaches only it (the last one to go cancels the load). */
  private attach(flight: Flight, signal: AbortSignal | undefined): Promise<CacheResult<unknown>> {
    flight.waiters += 1;
    if (!signal) return flight.promise;
    return new Promise((resolve, reject) => {
      let done = false;
      const onAbort = () => {
        if (done) return;
        done = true;
        flight.waiters -= 1;
        if (flight.waiters === 0) flight.controller.abort(abortReason(signal));
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          if (done) return;
          done = true;
          resolve(v);
        },
        (err) => {
          signal.removeEventListener('abort', onAbort);
          if (done) return;
          done = true;
          reject(err);
        },
      );
    });
  }

  /** Reads L1 then L2 (back-filling L1) without loading. */
  async get<T>(key: CacheKey, kind: CacheKind): Promise<CacheResult<T> | undefined> {
    this.assertKind(key, kind);
    const policy = this.policyFor(kind, {});
    const hit = this.readL1<T>(key, kind, policy);
    if (hit) return hit;
    return this.readL2<T>(key, kind, policy, true);
  }

  /** Writes L2 then L1. Refused silently for `undefined`. */
  async set<T>(key: CacheKey, kind: CacheKind, value: T, opts: GetOrLoadOptions<T> = {}): Promise<void> {
    this.assertKind(key, kind);
    await this.store(key, value, this.policyFor(kind, opts));
  }

  /** Removes the key from L1 and L2. */
  async delete(key: CacheKey): Promise<void> {
    this.l1.delete(key);
    if (this.l2) await this.l2.del(key).catch(() => 0);
  }

  /** Resolves when background refreshes and lease releases have settled. */
  async drain(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  // ---------------------------------------------------------------- internals

  private assertKind(key: CacheKey, kind: CacheKind): void {
    if (kindOfKey(key) !== kind) {
      throw new TypeError(
        `cache key kind "${kindOfKey(key) ?? ''}" does not match the requested kind "${kind}"`,
      );
    }
  }

  private policyFor(kind: CacheKind, opts: GetOrLoadOptions<never> | GetOrLoadOptions<unknown>): KindPolicy {
    const base = this.policies[kind];
    return {
      ...base,
      l1TtlMs: opts.l1TtlMs ?? base.l1TtlMs,
      l2TtlMs: opts.l2TtlMs ?? base.l2TtlMs,
      swrMs: opts.swrMs ?? base.swrMs,
      leaseWaitMs: opts.leaseWaitMs ?? base.leaseWaitMs,
    };
  }

  private jittered(ms: number): number {
    if (this.jitter <= 0) return ms;
    return Math.max(1, Math.round(ms * (1 + (Math.random() * 2 - 1) * this.jitter)));
  }

  private count(name: string, level: string, kind: CacheKind): void {
    this.metrics.count(name, { level, kind });
  }

  private readL1<T>(key: string, kind: CacheKind, policy: KindPolicy): CacheResult<T> | undefined {
    if (!this.l1.enabled) return undefined;
    const e = this.l1.get(key);
    if (!e) {
      this.count('CacheMiss', 'l1', kind);
      return undefined;
    }
    const stale = e.freshUntil <= this.clock.now();
    if (stale && policy.swrMs <= 0) {
      this.l1.delete(key);
      this.count('CacheMiss', 'l1', kind);
      return undefined;
    }
    this.count('CacheHit', 'l1', kind);
    if (stale) this.count('CacheStale', 'l1', kind);
    return { value: JSON.parse(e.json) as T, level: 'l1', stale };
  }

  private async l2Get(key: string): Promise<L2Read> {
    if (!this.l2) return { ok: false, open: true };
    try {
      return { ok: true, value: await this.l2.get(key) };
    } catch (err) {
      return { ok: false, open: err instanceof CircuitOpenError };
    }
  }

  /** An L2 read that back-fills L1. `undefined` on miss or when L2 is unavailable. */
  private async readL2<T>(
    key: string,
    kind: CacheKind,
    policy: KindPolicy,
    countMiss: boolean,
  ): Promise<CacheResult<T> | undefined> {
    if (!this.l2) return undefined;
    const r = await this.l2Get(key);
    return this.fromL2<T>(r, key, kind, policy, countMiss);
  }

  private fromL2<T>(
    r: L2Read,
    key: string,
    kind: CacheKind,
    policy: KindPolicy,
    countMiss: boolean,
  ): CacheResult<T> | undefined {
    const env = r.ok && r.value !== null ? parseEnvelope(r.value) : undefined;
    const now = this.clock.now();
    if (!env || env.h <= now || (env.f <= now && policy.swrMs <= 0)) {
      if (countMiss) this.count('CacheMiss', 'l2', kind);
      return undefined;
    }
    let value: T;
    try {
      value = JSON.parse(env.json) as T;
    } catch {
      if (countMiss) this.count('CacheMiss', 'l2', kind);
      return undefined;
    }
    this.l1.set(key, { json: env.json, freshUntil: env.f, hardExpiry: env.h }, this.jittered(policy.l1TtlMs));
    const stale = env.f <= now;
    this.count('CacheHit', 'l2', kind);
    if (stale) this.count('CacheStale', 'l2', kind);
    return { value, level: 'l2', stale };
  }

  private async tryLease(leaseKey: string, token: string, policy: KindPolicy): Promise<LeaseState> {
    if (!this.l2) return 'unavailable';
    try {
      return (await this.l2.setNX(leaseKey, token, policy.leaseMs)) ? 'won' : 'held';
    } catch (err) {
      return err instanceof L2TimeoutError ? 'unknown' : 'unavailable';
    }
  }

  /** After a SET NX that timed out: does the lease hold our token (did that SET land)? */
  private async ownsLease(leaseKey: string, token: string): Promise<boolean> {
    if (!this.l2) return false;
    try {
      return (await this.l2.get(leaseKey)) === token;
    } catch {
      return false;
    }
  }

  private releaseLease(leaseKey: string): void {
    if (!this.l2) return;
    this.track(this.l2.del(leaseKey).catch(() => 0));
  }

  private track(p: Promise<unknown>): void {
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  private async fill<T>(
    key: CacheKey,
    kind: CacheKind,
    loader: () => Promise<T>,
    opts: GetOrLoadOptions<T>,
    policy: KindPolicy,
  ): Promise<CacheResult<T>> {
    if (this.l2) {
      const first = await this.l2Get(key);
      const hit = this.fromL2<T>(first, key, kind, policy, true);
      if (hit) {
        if (hit.stale) this.refreshInBackground(key, kind, loader, opts);
        return hit;
      }
      // L2 answered "miss", or the read failed without the circuit being open (a time-out on a busy
      // instance): one loader across instances either way.
      if (first.ok || !first.open) {
        const leaseKey = key + LEASE_SUFFIX;
        const token = randomBytes(8).toString('hex');
        let lease = await this.tryLease(leaseKey, token, policy);
        if (lease === 'held' || lease === 'unknown') {
          const waited = await this.waitForWinner<T>(key, kind, policy, leaseKey, token, lease === 'unknown');
          if (waited.result) return waited.result;
          lease = waited.lease;
        }
        if (lease === 'won') {
          // Double-check: the previous holder may have stored the value and released the lease between
          // our GET and our SET NX.
          const again = this.fromL2<T>(await this.l2Get(key), key, kind, policy, false);
          if (again && !again.stale) {
            this.releaseLease(leaseKey);
            return again;
          }
          try {
            return await this.loadAndStore(key, kind, loader, opts, policy);
          } finally {
            this.releaseLease(leaseKey);
          }
        }
      }
    }
    return this.loadAndStore(key, kind, loader, opts, policy);
  }

  /**
   * Polls L2 for the lease winner's value; takes the lease over if it is released without a value. A failed
   * poll keeps waiting (only an open circuit gives up). `maybeOurs`: an earlier SET NX timed out and may
   * have landed, so a "held" lease is checked for our own token.
   */
  private async waitForWinner<T>(
    key: string,
    kind: CacheKind,
    policy: KindPolicy,
    leaseKey: string,
    token: string,
    maybeOurs: boolean,
  ): Promise<{ result?: CacheResult<T>; lease: LeaseState }> {
    const deadline = performance.now() + policy.leaseWaitMs;
    let interval = this.leasePollMs;
    let uncertain = maybeOurs;
    if (uncertain && (await this.ownsLease(leaseKey, token))) return { lease: 'won' };
    while (performance.now() < deadline) {
      await sleep(Math.min(interval, Math.max(1, deadline - performance.now())));
      interval = Math.min(Math.round(interval * 1.5), 200);
      const r = await this.l2Get(key);
      if (!r.ok) {
        if (r.open) return { lease: 'unavailable' };
        continue;
      }
      const hit = this.fromL2<T>(r, key, kind, policy, false);
      if (hit) return { result: hit, lease: 'held' };
      const lease = await this.tryLease(leaseKey, token, policy);
      if (lease === 'won' || lease === 'unavailable') return { lease };
      if (lease === 'unknown') uncertain = true;
      if (uncertain && (await this.ownsLease(leaseKey, token))) return { lease: 'won' };
    }
    this.metrics.count('CacheLeaseWaitExpired', { kind });
    return { lease: 'unavailable' };
  }

  private async loadAndStore<T>(
    key: CacheKey,
    kind: CacheKind,
    loader: () => Promise<T>,
    opts: GetOrLoadOptions<T>,
    policy: KindPolicy,
  ): Promise<CacheResult<T>> {
    this.metrics.count('CacheLoad', { kind });
    const value = await loader();
    if (value !== undefined && (opts.cacheIf?.(value) ?? true)) {
      await this.store(key, value, policy);
    } else {
      this.metrics.count('CacheNotStored', { kind });
    }
    return { value, level: 'source', stale: false };
  }

  private async store<T>(key: string, value: T, policy: KindPolicy): Promise<void> {
    if (value === undefined) return;
    const json = JSON.stringify(value);
    if (json === undefined) return;
    const now = this.clock.now();
    const freshUntil = now + this.jittered(policy.l2TtlMs);
    const hardExpiry = freshUntil + Math.max(0, policy.swrMs);
    if (this.l2) {
      const envelope = `{"f":${freshUntil},"h":${hardExpiry},"v":${json}}`;
      await this.l2.set(key, envelope, hardExpiry - now).catch(() => undefined);
    }
    const entry: L1Entry = { json, freshUntil, hardExpiry };
    this.l1.set(key, entry, this.jittered(policy.l1TtlMs));
  }

  private refreshInBackground<T>(
    key: CacheKey,
    kind: CacheKind,
    loader: Loader<T>,
    opts: GetOrLoadOptions<T>,
  ): void {
    if (this.refreshing.has(key)) return;
    const policy = this.policyFor(kind, opts);
    const run = async () => {
      const leaseKey = key + LEASE_SUFFIX;
      const lease = await this.tryLease(leaseKey, randomBytes(8).toString('hex'), policy);
      if (lease === 'held' || lease === 'unknown') return; // another instance is (or we may be) refreshing it
      try {
        const value = await loader(new AbortController().signal);
        if (value !== undefined && (opts.cacheIf?.(value) ?? true)) await this.store(key, value, policy);
        this.metrics.count('CacheRefresh', { kind });
      } finally {
        if (lease === 'won') this.releaseLease(leaseKey);
      }
    };
    const p = run()
      .catch(() => {
        this.metrics.count('CacheRefreshError', { kind });
      })
      .finally(() => {
        this.refreshing.delete(key);
      });
    this.refreshing.set(key, p);
    this.track(p);
  }
}
