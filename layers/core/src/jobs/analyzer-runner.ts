import { analyzeDecision } from '../analysis/analyze';
import type { Analyzer } from '../analysis/analyzer';
import type { Db } from '../db/types';
import type { RunAnalysis } from './types';

/**
 * The worker's analysis: the same use case as POST /decision/analyze (the decision is persisted in the
 * history too), with progress reported around it. `depth` is kept on the job for the agent to use.
 */
export function runAnalysisWithAnalyzer(analyzer: Analyzer, db: () => Promise<Db>): RunAnalysis {
  return async (job, ctx) => {
    const database = await db();
    await ctx.onProgress(5);
    const result = await analyzeDecision(database, analyzer, {
      query: job.query,
      orgId: job.org_id,
      userId: job.user_id,
      threadId: null,
      signal: ctx.signal,
    });
    await ctx.onProgress(95);
    return result;
  };
}
