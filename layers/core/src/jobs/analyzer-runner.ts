import { type Agent, type AgentConfig, loadAgentConfig } from '../agent';
import { analyzeDecision } from '../analysis/analyze';
import { isAppError } from '../errors';
import { createReplayLlm, type ReplayState, withReplay } from '../llm/batch';
import type { LlmConfig } from '../llm/config';
import type { Llm } from '../llm/types';
import type { Services } from '../runtime/services';
import type { AnalysisOutcome, Job, JobDepth, RunAnalysis } from './types';
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

/** The most tool-use turns any depth gives the agent (AGENT_MAX_STEPS' own upper bound). */
const MAX_STEPS = 10;

/**
 * What a job's `depth` means: the tool-use turns the agent may take before its answer is forced. `quick`: one
 * (one round of skills, then the answer); `standard`: AGENT_MAX_STEPS, the same agent as POST /decision/analyze;
 * `deep`: two more (at most 10), so the model can follow up on what the first skills found.
 */
export function stepsForDepth(depth: JobDepth, standardSteps: number): number {
  if (depth === 'quick') return 1;
  if (depth === 'deep') return Math.min(MAX_STEPS, standardSteps + 2);
  return standardSteps;
}

/**
 * The services with the agent for this depth (and model, for the batch replay). A non-standard depth's agent
 * names the depth in its prompt version, which every answer-cache key holds: a `deep` question is never answered
 * from a `quick` or `standard` run's cached answer, nor the other way round.
 */
function servicesAtDepth(s: Services, depth: JobDepth, config: AgentConfig, llm?: Llm): Services {
  if ((depth === 'standard' && !llm) || !s.agentWith) return s;
  const agent: Agent = s.agentWith(llm, { ...config, maxSteps: stepsForDepth(depth, config.maxSteps) });
  if (depth === 'standard') return { ...s, agent };
  return { ...s, agent: { ...agent, promptVersion: `${agent.promptVersion}+${depth}` } };
}

/** One Services per depth, built on first use (the services are process-wide, so are these). */
function perDepth(build: (depth: JobDepth) => Promise<Services>): (depth: JobDepth) => Promise<Services> {
  const made = new Map<JobDepth, Promise<Services>>();
  return (depth) => {
    let s = made.get(depth);
    if (!s) {
      s = build(depth);
      s.catch(() => made.delete(depth));
      made.set(depth, s);
    }
    return s;
  };
}

/**
 * The worker's analysis: the same use case as POST /decision/analyze (caches, agent, the decision persisted in
 * the history), with the job's `depth` (see `stepsForDepth`) and progress reported around it. It answers the
 * decision it recorded; the job points to it.
 */
export function runAnalysisWithServices(
  services: () => Promise<Services>,
  agentConfig: AgentConfig = loadAgentConfig(),
): RunAnalysis {
  const atDepth = perDepth(async (depth) => servicesAtDepth(await services(), depth, agentConfig));
  return async (job, ctx) => {
    const s = await atDepth(job.depth);
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
  agentConfig: AgentConfig = loadAgentConfig(),
): (job: Job, state: ReplayState, signal: AbortSignal) => Promise<AnalysisOutcome> {
  const replayLlm = llm.provider === 'anthropic' ? createReplayLlm(llm) : undefined;
  const atDepth = perDepth(async (depth) => servicesAtDepth(await services(), depth, agentConfig, replayLlm));
  return async (job, state, signal) => {
    const s = await atDepth(job.depth);
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
