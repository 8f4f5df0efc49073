import { analyzeDecision } from '../analysis/analyze';
import { createReplayLlm, type ReplayState, withReplay } from '../llm/batch';
import type { LlmConfig } from '../llm/config';
import type { Services } from '../runtime/services';
import type { Job, RunAnalysis } from './types';

/**
 * The worker's analysis: the same use case as POST /decision/analyze (caches, agent, the decision persisted in
 * the history), with progress reported around it. `depth` is kept on the job for the agent to use.
 */
export function runAnalysisWithServices(services: () => Promise<Services>): RunAnalysis {
  return async (job, ctx) => {
    const s = await services();
    await ctx.onProgress(5);
    const result = await analyzeDecision(s, {
      query: job.query,
      orgId: job.org_id,
      userId: job.user_id,
      threadId: null,
      signal: ctx.signal,
      background: true,
    });
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
