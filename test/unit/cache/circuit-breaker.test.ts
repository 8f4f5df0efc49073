import { describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError } from '#core/cache/circuit-breaker';

function setup(threshold = 3, cooldownMs = 1_000) {
  let t = 0;
  const states: string[] = [];
  const clock = { now: () => t };
  const breaker = new CircuitBreaker({
    name: 'test',
    failureThreshold: threshold,
    cooldownMs,
    clock,
    onStateChange: (s) => states.push(s),
  });
  return { breaker, states, advance: (ms: number) => (t += ms) };
}

const fail = () => Promise.reject(new Error('boom'));
const ok = () => Promise.resolve('ok');

describe('circuit breaker', () => {
  it('opens after N consecutive failures and then fails fast without calling', async () => {
    const { breaker, states } = setup(3);
    for (let i = 0; i < 3; i += 1) await expect(breaker.run(fail)).rejects.toThrow('boom');
    expect(breaker.state).toBe('open');
    let called = false;
    await expect(
      breaker.run(async () => {
        called = true;
        return 1;
      }),
    ).rejects.toBeInstanceOf(CircuitOpenError);
    expect(called).toBe(false);
    expect(states).toEqual(['open']);
  });

  it('a success resets the consecutive-failure count', async () => {
    const { breaker } = setup(3);
    await expect(breaker.run(fail)).rejects.toThrow();
    await expect(breaker.run(fail)).rejects.toThrow();
    await breaker.run(ok);
    await expect(breaker.run(fail)).rejects.toThrow();
    await expect(breaker.run(fail)).rejects.toThrow();
    expect(breaker.state).toBe('closed');
  });

  it('after the cool-down lets exactly one probe through; its success closes the circuit', async () => {
    const { breaker, states, advance } = setup(1, 1_000);
    await expect(breaker.run(fail)).rejects.toThrow();
    advance(1_000);
    expect(breaker.state).toBe('half-open');
    let release: () => void = () => {};
    const probe = breaker.run(() => new Promise<string>((r) => (release = () => r('probe ok'))));
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError); // probe in flight
    release();
    await expect(probe).resolves.toBe('probe ok');
    expect(breaker.state).toBe('closed');
    await expect(breaker.run(ok)).resolves.toBe('ok');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('a failed probe opens the circuit for another cool-down', async () => {
    const { breaker, advance } = setup(1, 1_000);
    await expect(breaker.run(fail)).rejects.toThrow();
    advance(1_000);
    await expect(breaker.run(fail)).rejects.toThrow('boom');
    expect(breaker.state).toBe('open');
    advance(500);
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    advance(500);
    await expect(breaker.run(ok)).resolves.toBe('ok');
  });
});
