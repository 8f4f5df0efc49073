import { Worker } from 'node:worker_threads';

/** Saturates `threads` cores with spinning worker threads (a busy machine); `stop()` ends them. */
export function busyCores(threads: number): { stop(): Promise<void> } {
  const workers = Array.from({ length: threads }, () => new Worker('for (;;) {}', { eval: true }));
  return {
    async stop() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** Keeps this thread's event loop busy for `ms` (a request's CPU work). */
export function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}
