import type { z } from 'zod';
import type { SkillRegistry } from './registry';
import type { AnySkill, SkillCall, SkillContext, SkillResult } from './types';

export interface SkillHooks {
  onStart?(call: SkillCall): void;
  onFinish?(result: SkillResult): void;
}

export interface SkillExecutorOptions {
  registry: SkillRegistry;
  /**
   * Per-skill budget; the skill's signal aborts and its result becomes an error when exceeded. The calls of one
   * `execute` start together and share one deadline.
   */
  timeoutMs: number;
  /** Metrics hook: one call per skill execution (also for failures). */
  onSkillResult?(name: string, ok: boolean, durationMs: number): void;
  /**
   * Wraps each validated run, e.g. a skill-result cache: return `run()` on a miss, a stored output on a hit.
   * Called with the parsed input; errors it throws become the skill's error result.
   */
  wrapRun?(skill: AnySkill, input: unknown, ctx: SkillContext, run: () => Promise<unknown>): Promise<unknown>;
  /** Clock, injectable for tests; defaults to performance.now(). */
  clock?: () => number;
}

/** What the caller supplies per request; the executor adds the per-skill `signal`. */
export type ExecutionContext = Omit<SkillContext, 'signal'> & { signal?: AbortSignal };

export interface SkillExecutor {
  /** Runs independent calls concurrently; never rejects because of one skill. */
  execute(calls: readonly SkillCall[], ctx: ExecutionContext, hooks?: SkillHooks): Promise<SkillResult[]>;
  executeOne(call: SkillCall, ctx: ExecutionContext, hooks?: SkillHooks): Promise<SkillResult>;
}

class SkillTimeoutError extends Error {}

export function formatZodIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 8)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(input)'}: ${i.message}`)
    .join('; ');
}

/**
 * The budget of calls started together: one controller, one timer and one listener on the request's signal
 * for the whole batch (all its calls start in the same tick, so they share the deadline). Its signal aborts
 * with a SkillTimeoutError when the budget is spent, or with the request's reason when that aborts first;
 * `aborted` rejects at that moment. Per call this was a controller, a timer, an `AbortSignal.any` and a
 * listener: ~0.2 ms of the event loop per skill under load, paid on every analysis (docs/performance.md).
 */
interface Budget {
  signal: AbortSignal;
  aborted: Promise<never>;
  dispose(): void;
}

function startBudget(timeoutMs: number, request: AbortSignal | undefined): Budget {
  const controller = new AbortController();
  const { signal } = controller;
  const aborted = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => {});
  const onRequestAbort = () => controller.abort(request?.reason);
  if (request?.aborted) onRequestAbort();
  else request?.addEventListener('abort', onRequestAbort, { once: true });
  const timer = signal.aborted
    ? undefined
    : setTimeout(() => controller.abort(new SkillTimeoutError(`timed out after ${timeoutMs} ms`)), timeoutMs);
  return {
    signal,
    aborted,
    dispose() {
      clearTimeout(timer);
      request?.removeEventListener('abort', onRequestAbort);
    },
  };
}

export function createSkillExecutor(opts: SkillExecutorOptions): SkillExecutor {
  const clock = opts.clock ?? (() => performance.now());

  async function runOne(
    call: SkillCall,
    ctx: ExecutionContext,
    budget: Budget,
    hooks: SkillHooks | undefined,
  ): Promise<SkillResult> {
    const skill = opts.registry.get(call.name);
    const startedAt = clock();
    safely(() => hooks?.onStart?.(call));
    let ok = false;
    let output: unknown;
    let error: string | undefined;
    const { signal } = budget;
    try {
      if (!skill) throw new Error(`unknown skill "${call.name}"`);
      const parsed = skill.input.safeParse(call.input);
      if (!parsed.success) throw new Error(`invalid input: ${formatZodIssues(parsed.error)}`);
      if (signal.aborted) throw signal.reason;
      // The skill should honour `signal`; the race guarantees the budget even when it does not.
      const skillCtx: SkillContext = { ...ctx, signal };
      const run = () => skill.run(parsed.data, skillCtx);
      const work = opts.wrapRun ? opts.wrapRun(skill, parsed.data, skillCtx, run) : run();
      output = await Promise.race([work, budget.aborted]);
      ok = true;
    } catch (err) {
      error = describeError(err, signal);
    }
    const finishedAt = clock();
    const durationMs = Math.round((finishedAt - startedAt) * 100) / 100;
    let figures: SkillResult['figures'] = {};
    if (ok && skill) {
      try {
        figures = skill.figures(output);
      } catch {
        figures = {};
      }
    }
    const result: SkillResult = {
      id: call.id,
      name: call.name,
      version: skill?.version ?? '0',
      ok,
      ...(ok ? { output } : { error }),
      figures,
      durationMs,
      startedAt,
      finishedAt,
    };
    safely(() => opts.onSkillResult?.(call.name, ok, durationMs));
    safely(() => hooks?.onFinish?.(result));
    return result;
  }

  async function execute(
    calls: readonly SkillCall[],
    ctx: ExecutionContext,
    hooks?: SkillHooks,
  ): Promise<SkillResult[]> {
    const budget = startBudget(opts.timeoutMs, ctx.signal);
    try {
      return await Promise.all(calls.map((c) => runOne(c, ctx, budget, hooks)));
    } finally {
      budget.dispose();
    }
  }

  return {
    execute,
    executeOne: async (call, ctx, hooks) => (await execute([call], ctx, hooks))[0]!,
  };
}

/** Observers (metrics, streaming) must never turn a skill result into a failed request. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // ignored on purpose
  }
}

function describeError(err: unknown, signal: AbortSignal): string {
  if (err instanceof SkillTimeoutError) return err.message;
  if (signal.aborted && signal.reason instanceof SkillTimeoutError) return signal.reason.message;
  if (signal.aborted) return 'cancelled';
  if (err instanceof Error) return err.message;
  return String(err);
}
