import { randomUUID } from 'node:crypto';
import { type FunctionDef, Instance, type InvokeOutcome, instanceTmp, type StreamStart } from './instance';

/**
 * Lambda's concurrency model for one function: one invocation at a time per instance; a request that finds
 * no idle instance starts a new one (a cold start) up to `maxInstances`; beyond that it waits for the next
 * free instance (`onLimit: 'queue'`) or is refused at once (`'throttle'`, like Lambda's 429 throttling).
 * Idle instances are reused, most recently used first (warm module scope); instances idle longer than
 * `idleTimeoutMs` are ended. Every invocation prints a REPORT line.
 */
export interface PoolOptions {
  def: FunctionDef;
  nodePath: string;
  bootstrapPath: string;
  workDir: string;
  maxInstances: number;
  onLimit: 'queue' | 'throttle';
  idleTimeoutMs: number;
  /** INIT phase limit (default 10 000 ms, Lambda's). */
  initTimeoutMs?: number;
  log: (line: string) => void;
  onReport?: (r: InvocationReport) => void;
}

export interface InvocationReport {
  functionName: string;
  requestId: string;
  instanceId: string;
  durationMs: number;
  billedMs: number;
  memoryMb: number;
  maxMemoryUsedMb?: number;
  initDurationMs?: number;
  status: 'success' | 'error' | 'timeout';
  errorType?: string;
  line: string;
}

export type PoolOutcome = InvokeOutcome | { kind: 'throttled' } | { kind: 'abandoned' };

/** What a pool is doing now: the evidence of where a load test waits. */
export interface PoolStats {
  /** instances alive (starting, busy or idle) */
  instances: number;
  /** running an invocation or starting for one */
  busy: number;
  idle: number;
  /** invocations waiting for an instance (onLimit queue) */
  waiting: number;
  /** invocations given up by their caller before an instance was free (never run) */
  abandoned: number;
}

type Waiter = { resolve: (i: Instance) => void; reject: (o: InvokeOutcome) => void };

export class FunctionPool {
  readonly def: FunctionDef;
  readonly instances = new Set<Instance>();
  private idle: Instance[] = [];
  private waiters: Waiter[] = [];
  private abandoned = 0;
  private closed = false;
  private reaper: NodeJS.Timeout;
  private readonly opts: PoolOptions;

  constructor(opts: PoolOptions) {
    this.opts = opts;
    this.def = opts.def;
    this.reaper = setInterval(() => this.reap(), Math.max(1000, Math.min(30_000, opts.idleTimeoutMs / 2)));
    this.reaper.unref();
  }

  /**
   * Invokes the function with this event (JSON); `onStream` receives a streaming handler's response. An invocation
   * still waiting for an instance when `signal` aborts (its caller, API Gateway, timed out) is dropped and never
   * runs — as Lambda would have refused it at once instead of queueing it. One already running is not stopped.
   */
  async invoke(
    event: unknown,
    opts: { requestId?: string; onStream?: (s: StreamStart) => void; signal?: AbortSignal } = {},
  ): Promise<PoolOutcome> {
    const requestId = opts.requestId ?? randomUUID();
    let instance: Instance;
    try {
      const got = this.acquire(opts.signal);
      if (!got) return { kind: 'throttled' };
      const acquired = await got;
      if (!acquired) return { kind: 'abandoned' };
      instance = acquired;
    } catch (outcome) {
      return this.reportInitFailure(outcome as InvokeOutcome, requestId);
    }
    const started = performance.now();
    const outcome = await instance.invoke({
      requestId,
      payload: JSON.stringify(event),
      onStream: opts.onStream,
    });
    this.report(instance, requestId, performance.now() - started, outcome);
    return outcome;
  }

  /** Stops every instance (their process groups), waits for their exit, refuses new invocations. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    for (const w of this.waiters.splice(0)) {
      w.reject({ kind: 'error', phase: 'init', errorType: 'HostShutdown', errorMessage: 'host is stopping' });
    }
    const all = [...this.instances];
    for (const i of all) i.kill();
    await Promise.race([
      Promise.all(all.map((i) => i.exited())),
      new Promise((r) => setTimeout(r, 5_000).unref()),
    ]);
  }

  stats(): PoolStats {
    const idle = this.idle.filter((i) => i.state === 'idle').length;
    return {
      instances: this.instances.size,
      busy: this.instances.size - idle,
      idle,
      waiting: this.waiters.length,
      abandoned: this.abandoned,
    };
  }

  /** An instance, or undefined when `signal` aborted first; no promise when throttled. */
  private acquire(signal?: AbortSignal): Promise<Instance | undefined> | undefined {
    if (this.closed) {
      return Promise.reject({
        kind: 'error',
        phase: 'init',
        errorType: 'HostShutdown',
        errorMessage: 'host is stopping',
      } satisfies InvokeOutcome);
    }
    const available = this.idle.length > 0 || this.instances.size < this.opts.maxInstances;
    if (!available && this.opts.onLimit === 'throttle') return undefined;
    if (signal?.aborted) return Promise.resolve(undefined);
    return new Promise<Instance | undefined>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (i) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(i);
        },
        reject: (o) => {
          signal?.removeEventListener('abort', onAbort);
          reject(o);
        },
      };
      const onAbort = () => {
        const at = this.waiters.indexOf(waiter);
        if (at < 0) return; // already given an instance (or one is starting for it): it runs
        this.waiters.splice(at, 1);
        this.abandoned++;
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.pump();
    });
  }

  private pump(): void {
    while (this.waiters.length > 0 && !this.closed) {
      const idle = this.idle.pop();
      if (idle) {
        if (idle.state !== 'idle') continue;
        this.waiters.shift()!.resolve(idle);
        continue;
      }
      if (this.instances.size >= this.opts.maxInstances) return;
      const waiter = this.waiters.shift()!;
      const instance = this.spawn();
      // Lambda bounds the INIT phase by 10 s, whatever the function's timeout.
      instance.start(Math.max(10_000, this.opts.initTimeoutMs ?? 10_000)).then(
        () => waiter.resolve(instance),
        (outcome: InvokeOutcome) => {
          waiter.reject(outcome);
          instance.kill();
        },
      );
    }
  }

  private spawn(): Instance {
    const id = randomUUID();
    const instance: Instance = new Instance({
      def: this.def,
      nodePath: this.opts.nodePath,
      bootstrapPath: this.opts.bootstrapPath,
      tmpDir: instanceTmp(this.opts.workDir, this.def, id.slice(0, 8)),
      log: this.opts.log,
      onExit: (i) => {
        this.instances.delete(i);
        this.idle = this.idle.filter((x) => x !== i);
        this.pump();
      },
      onIdle: (i) => {
        if (this.closed) return i.kill();
        this.idle.push(i);
        this.pump();
      },
    });
    this.instances.add(instance);
    return instance;
  }

  private reap(): void {
    const now = Date.now();
    for (const i of [...this.idle]) {
      if (i.state === 'idle' && now - i.lastUsed > this.opts.idleTimeoutMs) i.kill();
    }
  }

  private reportInitFailure(outcome: InvokeOutcome, requestId: string): PoolOutcome {
    if (outcome.kind === 'error' && outcome.errorType === 'HostShutdown') return outcome;
    const detail =
      outcome.kind === 'error' ? `${outcome.errorType}: ${outcome.errorMessage}` : 'init phase timed out';
    this.opts.log(
      `[${this.def.name}] INIT_REPORT Phase: init Status: ${outcome.kind === 'timeout' ? 'timeout' : 'error'} RequestId: ${requestId}`,
    );
    this.opts.log(`[${this.def.name}] init failed: ${detail}`);
    return outcome;
  }

  private report(instance: Instance, requestId: string, durationMs: number, outcome: InvokeOutcome): void {
    const init = instance.reportedInit ? undefined : instance.initDurationMs;
    instance.reportedInit = true;
    const status: InvocationReport['status'] =
      outcome.kind === 'timeout'
        ? 'timeout'
        : outcome.kind === 'error' || (outcome.kind === 'streamed' && outcome.errorType)
          ? 'error'
          : 'success';
    // Lambda bills the INIT phase of managed runtimes too (since August 2025), rounded up to 1 ms.
    const billedMs = Math.ceil(durationMs + (init ?? 0));
    const maxMem = instance.maxMemoryUsedMb();
    let line =
      `REPORT RequestId: ${requestId} Duration: ${durationMs.toFixed(2)} ms Billed Duration: ${billedMs} ms ` +
      `Memory Size: ${this.def.memoryMb} MB Max Memory Used: ${maxMem ?? 'n/a'} MB`;
    if (init !== undefined) line += ` Init Duration: ${init.toFixed(2)} ms`;
    if (status !== 'success') line += ` Status: ${status}`;
    const errorType =
      outcome.kind === 'error'
        ? outcome.errorType
        : outcome.kind === 'streamed'
          ? outcome.errorType
          : undefined;
    if (errorType) line += ` Error Type: ${errorType}`;
    if (outcome.kind === 'timeout') {
      this.opts.log(
        `[${this.def.name}] ${new Date().toISOString()} ${requestId} Task timed out after ${this.def.timeoutSeconds.toFixed(2)} seconds`,
      );
    }
    this.opts.log(`[${this.def.name}] ${line}`);
    this.opts.onReport?.({
      functionName: this.def.name,
      requestId,
      instanceId: instance.id,
      durationMs,
      billedMs,
      memoryMb: this.def.memoryMb,
      maxMemoryUsedMb: maxMem,
      initDurationMs: init,
      status,
      errorType,
      line,
    });
  }
}
