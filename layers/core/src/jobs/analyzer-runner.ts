import { analyzeDecision } from '../analysis/analyze';
import type { Services } from '../runtime/services';
import type { RunAnalysis } from './types';

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
