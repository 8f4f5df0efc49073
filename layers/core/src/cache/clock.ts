/** Wall-clock source for TTLs (epoch ms). Injected in tests; L2 envelopes carry absolute epoch deadlines. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
