import type { Clock } from './clock';

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitOpenError extends Error {
  constructor(what: string) {
    super(`${what}: circuit open`);
    this.name = 'CircuitOpenError';
  }
}

/** Runs `fn` after `ms`; returns a cancel function. The default is an unref'd `setTimeout`. */
export type Scheduler = (fn: () => void, ms: number) => () => void;

export const timerScheduler: Scheduler = (fn, ms) => {
  const t = setTimeout(fn, ms);
  t.unref?.();
  return () => clearTimeout(t);
};

export interface CircuitBreakerOptions {
  name: string;
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** Time the circuit stays open before a half-open probe. */
  cooldownMs: number;
  clock: Clock;
  onStateChange?: (state: BreakerState) => void;
  /**
   * Active recovery: when set, the breaker probes the dependency by itself (with this call) as soon as each
   * cool-down ends, instead of waiting for the next caller — so it closes within about one cool-down of the
   * dependency coming back, with or without traffic, and no request pays for a failing probe.
   */
  probe?: () => Promise<unknown>;
  /** Timer source of the active probes (tests inject a manual one). */
  schedule?: Scheduler;
}

/**
 * Closed → (N consecutive failures) → open → (cool-down) → half-open: exactly one probe goes through — the
 * breaker's own `probe` when configured, else the next call; its success closes the circuit, its failure
 * opens it again for another cool-down. Calls made while open (or while the probe is in flight) fail at once
 * with `CircuitOpenError`, without touching the dependency.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: BreakerState = 'closed';
  private cancelProbe: (() => void) | undefined;
  private disposed = false;

  constructor(private readonly opts: CircuitBreakerOptions) {}

  get state(): BreakerState {
    if (this.current === 'open' && !this.probing && this.cooled()) return 'half-open';
    return this.current;
  }

  private cooled(): boolean {
    return this.opts.clock.now() - this.openedAt >= this.opts.cooldownMs;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    let probe = false;
    if (this.current === 'open' || this.current === 'half-open') {
      if (!this.cooled() || this.probing) throw new CircuitOpenError(this.opts.name);
      probe = true;
      this.probing = true;
      this.transition('half-open');
    }
    try {
      const out = await fn();
      this.succeeded();
      return out;
    } catch (err) {
      this.failed(probe);
      throw err;
    } finally {
      if (probe) this.probing = false;
    }
  }

  /** Stops the active probes (the owner is closing). */
  dispose(): void {
    this.disposed = true;
    this.cancelProbe?.();
    this.cancelProbe = undefined;
  }

  private succeeded(): void {
    this.failures = 0;
    if (this.current !== 'closed') {
      this.cancelProbe?.();
      this.cancelProbe = undefined;
      this.transition('closed');
    }
  }

  private failed(probe: boolean): void {
    this.failures += 1;
    if (probe || (this.current === 'closed' && this.failures >= this.opts.failureThreshold)) {
      this.openedAt = this.opts.clock.now();
      this.transition('open');
      this.scheduleProbe();
    }
  }

  private scheduleProbe(): void {
    const probe = this.opts.probe;
    if (!probe || this.disposed) return;
    this.cancelProbe?.();
    const schedule = this.opts.schedule ?? timerScheduler;
    this.cancelProbe = schedule(() => {
      this.cancelProbe = undefined;
      if (this.current === 'closed' || this.probing || this.disposed) return;
      this.probing = true;
      this.transition('half-open');
      probe().then(
        () => {
          this.probing = false;
          this.succeeded();
        },
        () => {
          this.probing = false;
          this.failed(true);
        },
      );
    }, this.opts.cooldownMs);
  }

  private transition(to: BreakerState): void {
    if (this.current === to) return;
    this.current = to;
    this.opts.onStateChange?.(to);
  }
}
