import { analyzeDecision } from '../analysis/analyze';
import { isAppError } from '../errors';
import { createReplayLlm, type ReplayState, withReplay } from '../llm/batch';
import type { LlmConfig } from '../llm/config';
import type { Services } from '../runtime/services';
import type { Job, RunAnalysis } from './types';
import { NonRetryableJobError } from './worker';

/**
 * Whether another attempt of the same analysis can succeed. Only what a retry can fix is retried: a dependency
 * that is unavailable (503), a time-out, an unknown error. A request the model or the validation refused, an
 * output that stayed invalid after the agent's own corrective retry, or a stage that is not configured (503
 * with its own code) fail the job at once with their reason; after a fix, the DLQ-less job can be started
 * again (or its message redriven).
 */
export function isRetryable(err: unknown): boolean {
  if (!isAppError(err)) return true;
  if (err.code.endsWith('_not_configured') || err.code === 'provider_not_bundled') return false;
  return err.status >= 500 && err.status !== 502;
}

/**
 * The worker's analysis: the same use case as POST /decision/analyze (caches, agent, the decision persisted in
 * the history), with progress reported around it. `depth` is kept on the job for the agent to use.
 */
export function runAnalysisWithServices(services: () => Promise<Services>): RunAnalysis {
  return async (job, ctx) => {
    const s = await services();
    // The start route cannot see the database: a job whose user was deleted since is refused here, before
    // any model call.
    const user = await s.db.query('SELECT 1 AS one FROM users WHERE user_id = $1 AND org_id = $2', [
      job.user_id,
      job.org_id,
    ]);
    if (user.rows.length === 0) {
      throw new NonRetryableJobError('unauthorized: the account behind this job no longer exists');
    }
    await ctx.onProgress(5);
    let result: Awaited<ReturnType<typeof analyzeDecision>>;
    try {
      result = await analyzeDecision(s, {
        query: job.query,
        orgId: job.org_id,
        userId: job.user_id,
        threadId: null,
        signal: ctx.signal,
        background: true,
      });
    } catch (err) {
      if (isRetryable(err)) throw err;
      const code = isAppError(err) ? err.code : 'analysis_failed';
      throw new NonRetryableJobError(`${code}: ${(err as Error).message}`, { cause: err });
    }
    await ctx.onProgress(95);
    return result;
  };
}

/**
 * Batch mode: the same analysis with Claude's answers replayed from finished Message Batches (priced at 50%);
 * the first turn without an answer throws ModelCallNeeded. Without Claude (offline model) it runs at once.
 */
export function runBatchReplayWithServices(
  services: () => Promise<Services>,
  llm: Pick<LlmConfig, 'provider' | 'model' | 'maxTokens'>,
): (job: Job, state: ReplayState, signal: AbortSignal) => Promise<unknown> {
  let replaying: Promise<Services> | undefined;
  const replayServices = () => {
    replaying ??= services().then((s) => {
      if (llm.provider !== 'anthropic' || !s.agentWith) return s;
      return { ...s, agent: s.agentWith(createReplayLlm(llm)) };
    });
    return replaying;
  };
  return async (job, state, signal) => {
    const s = await replayServices();
    return withReplay(state, () =>
      analyzeDecision(s, {
        query: job.query,
        orgId: job.org_id,
        userId: job.user_id,
        threadId: null,
        signal,
        background: true,
      }),
    );
  };
}
