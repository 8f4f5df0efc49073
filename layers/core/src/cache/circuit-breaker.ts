import type { Clock } from './clock';

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitOpenError extends Error {
  constructor(what: string) {
    super(`${what}: circuit open`);
    this.name = 'CircuitOpenError';
  }
}

export interface CircuitBreakerOptions {
  name: string;
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** Time the circuit stays open before one half-open probe is let through. */
  cooldownMs: number;
  clock: Clock;
  onStateChange?: (state: BreakerState) => void;
}

/**
 * Closed → (N consecutive failures) → open → (cool-down) → half-open: exactly one probe call goes through;
 * its success closes the circuit, its failure opens it again. Calls made while open (or while the probe is
 * in flight) fail at once with `CircuitOpenError`, without touching the dependency.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: BreakerState = 'closed';

  constructor(private readonly opts: CircuitBreakerOptions) {}

  get state(): BreakerState {
    if (
      this.current === 'open' &&
      !this.probing &&
      this.opts.clock.now() - this.openedAt >= this.opts.cooldownMs
    ) {
      return 'half-open';
    }
    return this.current;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    let probe = false;
    if (this.current === 'open' || this.current === 'half-open') {
      const cooled = this.opts.clock.now() - this.openedAt >= this.opts.cooldownMs;
      if (!cooled || this.probing) throw new CircuitOpenError(this.opts.name);
      probe = true;
      this.probing = true;
      this.transition('half-open');
    }
    try {
      const out = await fn();
      this.failures = 0;
      if (probe || this.current !== 'closed') this.transition('closed');
      return out;
    } catch (err) {
      this.failures += 1;
      if (probe || this.failures >= this.opts.failureThreshold) {
        this.openedAt = this.opts.clock.now();
        this.transition('open');
      }
      throw err;
    } finally {
      if (probe) this.probing = false;
    }
  }

  private transition(to: BreakerState): void {
    if (this.current === to) return;
    this.current = to;
    this.opts.onStateChange?.(to);
  }
}
