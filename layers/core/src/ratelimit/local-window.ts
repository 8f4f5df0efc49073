import { LRUCache } from 'lru-cache';

/**
 * An in-process sliding-window log: for each key, the admission times of the last window. Used as the
 * limiter's fallback when Redis is unreachable (sized to the instance's share) and to remember what this
 * instance admitted. Bounded: at most `maxKeys` keys (least recently used dropped first).
 */
export class LocalSlidingWindow {
  private readonly logs: LRUCache<string, number[]>;

  constructor(
    private readonly windowMs: number,
    maxKeys = 20_000,
  ) {
    this.logs = new LRUCache<string, number[]>({ max: maxKeys });
  }

  private live(key: string, now: number): number[] {
    const log = this.logs.get(key) ?? [];
    const cutoff = now - this.windowMs;
    let drop = 0;
    while (drop < log.length && log[drop]! <= cutoff) drop++;
    if (drop > 0) log.splice(0, drop);
    return log;
  }

  count(key: string, now: number): number {
    return this.live(key, now).length;
  }

  /**
   * Admits when every key is under its max (all or nothing); else reports the first key over its max and
   * the milliseconds until it has room again.
   */
  tryAcquire(
    entries: Array<{ key: string; max: number }>,
    now: number,
  ): { ok: true } | { ok: false; index: number; retryMs: number } {
    const logs = entries.map((e) => this.live(e.key, now));
    for (let i = 0; i < entries.length; i++) {
      const log = logs[i]!;
      const max = entries[i]!.max;
      if (log.length >= max) {
        const freeing = log[log.length - max] ?? now;
        return { ok: false, index: i, retryMs: Math.max(1, freeing + this.windowMs - now) };
      }
    }
    for (let i = 0; i < entries.length; i++) this.record(entries[i]!.key, now, logs[i]!);
    return { ok: true };
  }

  /** Records an admission (decided elsewhere, e.g. by Redis) without checking. */
  record(key: string, now: number, log = this.live(key, now)): void {
    log.push(now);
    this.logs.set(key, log);
  }

  /** Gives back the most recent admission of `key` (a successful login). */
  release(key: string): void {
    const log = this.logs.get(key);
    if (log && log.length > 0) log.pop();
  }
}
