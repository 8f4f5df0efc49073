import { LRUCache } from 'lru-cache';
import type { Clock } from './clock';

/** One L1 entry: the serialised envelope plus its absolute deadlines (epoch ms). */
export interface L1Entry {
  /** JSON of the cached value; parsed on every read so callers never share a mutable object. */
  json: string;
  /** Fresh until this instant; after it the entry is stale (served only by stale-while-revalidate kinds). */
  freshUntil: number;
  /** Never served after this instant. */
  hardExpiry: number;
}

export interface L1Options {
  maxBytes: number;
  maxEntryBytes: number;
  clock: Clock;
}

/**
 * Module-scoped, byte-bounded LRU with absolute TTLs (a read never extends a TTL). Size is the serialised
 * byte length of key + value. Purely synchronous, so it is safe under concurrent async use.
 */
export class L1Cache {
  private readonly lru: LRUCache<string, L1Entry> | null;
  private readonly clock: Clock;

  constructor(opts: L1Options) {
    this.clock = opts.clock;
    this.lru =
      opts.maxBytes > 0
        ? new LRUCache<string, L1Entry>({
            maxSize: opts.maxBytes,
            maxEntrySize: Math.min(opts.maxEntryBytes, opts.maxBytes),
            sizeCalculation: (v, k) => Buffer.byteLength(v.json) + Buffer.byteLength(k) + 64,
            ttl: 60_000,
            ttlAutopurge: false,
            updateAgeOnGet: false,
            updateAgeOnHas: false,
            allowStale: false,
            ttlResolution: 0,
            perf: opts.clock,
          })
        : null;
  }

  get enabled(): boolean {
    return this.lru !== null;
  }

  get(key: string): L1Entry | undefined {
    const e = this.lru?.get(key);
    if (!e) return undefined;
    if (e.hardExpiry <= this.clock.now()) {
      this.lru?.delete(key);
      return undefined;
    }
    return e;
  }

  /** Stores for `ttlMs` (never past the entry's hard expiry). Returns false when not stored (too big, disabled). */
  set(key: string, entry: L1Entry, ttlMs: number): boolean {
    if (!this.lru) return false;
    const ttl = Math.floor(Math.min(ttlMs, entry.hardExpiry - this.clock.now()));
    if (ttl < 1) return false;
    this.lru.set(key, entry, { ttl });
    return this.lru.has(key);
  }

  delete(key: string): void {
    this.lru?.delete(key);
  }

  clear(): void {
    this.lru?.clear();
  }

  /** Entries currently held (including expired ones not yet purged). */
  get size(): number {
    return this.lru?.size ?? 0;
  }

  /** Bytes currently accounted. */
  get bytes(): number {
    return this.lru?.calculatedSize ?? 0;
  }
}
