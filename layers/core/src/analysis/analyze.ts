import { randomUUID } from 'node:crypto';
import { type AgentEvent, type PriorTurn, priorTurnFromAnalysis } from '../agent';
import { hashContext } from '../cache/answer-key';
import type { AnswerResult, ComputedAnswer } from '../cache/answers';
import type { Analysis, AnalyzeResponse, SemanticCheck } from '../decisions/types';
import type { VerificationResult } from '../llm/question-verifier';
import { sumUsage, type Usage, ZERO_USAGE } from '../llm/usage';
import type { Services } from '../runtime/services';
import { dataNotices, withNotices } from './data-notice';

export interface AnalyzeRequest {
  query: string;
  orgId: string;
  userId: string;
  threadId: string | null;
  /** The id to store the decision under (the stream announces it before the answer exists); else a new one. */
  decisionId?: string;
  signal?: AbortSignal;
  /** Streaming: skill and text events, live from the agent or replayed from a cached answer. */
  onEvent?: (e: AgentEvent) => void;
  /** A queued job (the worker) is not an API request: it is left out of the AnalyzeTime KPI metric. */
  background?: boolean;
}

/** What the answer caches hold (exact L1/L2 and semantic): enough to answer and to replay the stream. */
export interface StoredAnswer {
  analysis: Analysis;
  model: string;
  /** skill_started / skill_finished / text, in the order the original run produced them */
  events: AgentEvent[];
}

/** What an agent run reports to the request that ran it (never cached): its model usage. */
interface AgentRun {
  usage: Usage;
}

/**
 * The analyze use case, in three steps: load the context (the thread so far and the org's data version) → the
 * answer (exact caches L1 → L2 → semantic cache → the agent: `answers.getOrCompute`) → record the decision.
 * A cached answer replays the events of the run that produced it, so a stream looks the same either way.
 */
export async function analyzeDecision(s: Services, req: AnalyzeRequest): Promise<AnalyzeResponse> {
  const started = performance.now();

  // 1. the context
  const [turns, dataVersion] = await Promise.all([
    s.decisions.thread(req),
    s.decisions.dataVersion(req.orgId),
  ]);
  const thread = turns.map((t) => priorTurnFromAnalysis(t.query, t.result));

  // 2. the answer
  const got = await s.answers.getOrCompute(
    {
      orgId: req.orgId,
      query: req.query,
      model: s.agent.model,
      promptVersion: s.agent.promptVersion,
      skillVersions: s.agent.skillVersions,
      contextHash: hashContext(thread),
      dataVersion,
    },
    (signal) => runAgent(s, req, thread, signal),
    { signal: req.signal },
  );
  if (!got.run && req.onEvent) for (const e of got.answer.events) req.onEvent(e);
  const verification = semanticCheck(got.verifications);
  const usage = requestUsage(got, verification);
  countAnswer(s, got, usage, verification);

  // 3. the decision
  const { analysis } = got.answer;
  const notices = dataNotices(analysis.skills);
  const response: AnalyzeResponse = {
    decision_id: req.decisionId ?? randomUUID(),
    query: req.query,
    thread_id: req.threadId,
    ...analysis,
    rationale: withNotices(analysis.rationale, notices),
    notices,
    model: got.answer.model,
    usage,
    latency_ms: Math.round(performance.now() - started),
    answered_from: got.origin,
    ...(verification ? { semantic_check: verification } : {}),
    created_at: new Date().toISOString(),
  };
  await s.decisions.record({
    decisionId: response.decision_id,
    orgId: req.orgId,
    userId: req.userId,
    threadId: req.threadId,
    response,
  });
  // The agent KPIs (mean < 2 s, P95 < 5 s) are over every analyze request, whichever level answered.
  if (!req.background) s.metrics.timing('AnalyzeTime', performance.now() - started);
  return response;
}

/** The agent's run, its events passed on live and kept for replays; its time and model time as metrics. */
async function runAgent(
  s: Services,
  req: AnalyzeRequest,
  thread: PriorTurn[],
  signal: AbortSignal,
): Promise<ComputedAnswer<StoredAnswer, AgentRun>> {
  const events: AgentEvent[] = [];
  const t = performance.now();
  const r = await s.agent.analyze({
    query: req.query,
    orgId: req.orgId,
    userId: req.userId,
    thread,
    signal,
    onEvent: (e) => {
      events.push(e);
      req.onEvent?.(e);
    },
    // only a streaming client needs the text token by token; a JSON answer gets it per completed turn
    streamText: req.onEvent !== undefined,
  });
  s.metrics.timing('AgentTime', performance.now() - t);
  s.metrics.timing('LlmLatency', r.llmMs);
  for (const ms of r.llmCallMs) s.metrics.timing('LlmCallLatency', ms);
  return {
    answer: { analysis: r.analysis, model: r.model, events },
    complete: r.complete,
    run: { usage: r.usage },
  };
}

/** The semantic cache's verifier calls in this request, as the response shows them. */
function semanticCheck(vs: readonly VerificationResult[]): SemanticCheck | undefined {
  if (vs.length === 0) return undefined;
  return {
    model: vs[0]!.model,
    calls: vs.length,
    same: vs.some((v) => v.same),
    usage: vs.map((v) => v.usage).reduce(sumUsage, ZERO_USAGE),
  };
}

/** What ran in this request: the agent when it ran here (a cached answer costs nothing), plus the verifier. */
function requestUsage(
  got: AnswerResult<StoredAnswer, AgentRun>,
  verification: SemanticCheck | undefined,
): Usage {
  const agent = got.run?.usage ?? ZERO_USAGE;
  return verification ? sumUsage(agent, verification.usage) : { ...agent };
}

function countAnswer(
  s: Services,
  got: AnswerResult<StoredAnswer, AgentRun>,
  usage: Usage,
  verification: SemanticCheck | undefined,
): void {
  s.metrics.count('AnsweredFrom', { level: got.origin });
  if (verification) s.metrics.count('SemanticVerifierCostUsd', {}, verification.usage.cost_usd);
  if (!got.run && !verification) return;
  s.metrics.count('LlmTokens', { type: 'input' }, usage.input_tokens);
  s.metrics.count('LlmTokens', { type: 'output' }, usage.output_tokens);
  s.metrics.count('LlmTokens', { type: 'cache_read' }, usage.cache_read_input_tokens);
  s.metrics.count('LlmTokens', { type: 'cache_write' }, usage.cache_creation_input_tokens);
  s.metrics.count('LlmCostUsd', {}, usage.cost_usd);
}
