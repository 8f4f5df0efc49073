/** A bound on one wait ran out (`withTimeout`). */
export class TimeoutError extends Error {
  constructor(
    what: string,
    readonly ms: number,
  ) {
    super(`${what} timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * `p`, or a rejection when it has not settled within `ms`: a `TimeoutError` naming `what`, or the error
 * `onTimeout` makes. The timer is cleared either way. `p` itself is not cancelled (pass it a signal for that).
 */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string, onTimeout?: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout ? onTimeout() : new TimeoutError(what, ms)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
