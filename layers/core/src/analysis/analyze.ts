import { randomUUID } from 'node:crypto';
import { type AgentEvent, type PriorTurn, priorTurnFromAnalysis } from '../agent';
import { buildAnswerCacheKey, hashContext, isCacheable } from '../cache';
import type { VerificationResult } from '../cache/verifier';
import type { Queryable } from '../db/types';
import { insertDecision } from '../decisions/store';
import { decisionEmbeddingText, decisionVector } from '../retrieval';
import type { Services } from '../runtime/services';
import { dataNotices, withNotices } from './data-notice';
import { dataVersionOf } from './data-version';
import {
  type Analysis,
  type AnalyzeResponse,
  type AnsweredFrom,
  type SemanticCheck,
  type Usage,
  ZERO_USAGE,
} from './types';

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
  usage: Usage;
  stopReason: string | null;
  /** skill_started / skill_finished / text, in the order the original run produced them */
  events: AgentEvent[];
}

interface AnswerPayload extends StoredAnswer {
  source: 'agent' | 'semantic';
  cacheable: boolean;
  /** the semantic cache's verifier calls for this request (their cost belongs to this decision) */
  verification?: SemanticCheck;
}

function sumUsage(a: Usage, b: Usage): Usage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    cache_read_input_tokens: a.cache_read_input_tokens + b.cache_read_input_tokens,
    cache_creation_input_tokens: a.cache_creation_input_tokens + b.cache_creation_input_tokens,
    cost_usd: Math.round((a.cost_usd + b.cost_usd) * 1e6) / 1e6,
  };
}

function semanticCheck(vs: readonly VerificationResult[] | undefined): SemanticCheck | undefined {
  if (!vs || vs.length === 0) return undefined;
  return {
    model: vs[0]!.model,
    calls: vs.length,
    same: vs.some((v) => v.same),
    usage: vs.map((v) => v.usage).reduce(sumUsage, { ...ZERO_USAGE }),
  };
}

const MAX_THREAD_TURNS = 20;

/** `notices` (e.g. "no company data on record") and the rationale that states them. */
function noticesOf(a: Analysis): { notices: string[]; rationale: string } {
  const notices = dataNotices(a.skills);
  return { notices, rationale: withNotices(a.rationale, notices) };
}

/** The decision's embedding for hybrid search, written with its row; none without pgvector or on failure. */
async function embeddingForRow(
  s: Services,
  query: string,
  recommendation: string,
): Promise<string | undefined> {
  const got = await decisionVector(s.db, s.embeddings, decisionEmbeddingText(query, recommendation));
  return 'vector' in got ? got.vector : undefined;
}

/** The caller's earlier turns of this thread, oldest first (org- and user-scoped). */
async function loadThread(db: Queryable, req: AnalyzeRequest): Promise<PriorTurn[]> {
  if (!req.threadId) return [];
  const r = await db.query<{ query: string; result: Analysis }>(
    `SELECT query, result FROM decisions WHERE org_id = $1 AND user_id = $2 AND thread_id = $3
     ORDER BY created_at DESC LIMIT $4`,
    [req.orgId, req.userId, req.threadId, MAX_THREAD_TURNS],
  );
  return r.rows.reverse().map((row) => priorTurnFromAnalysis(row.query, row.result));
}

/**
 * The analyze use case: exact-match answer cache (L1 → L2) → semantic answer cache (pgvector, same org, model,
 * prompt version, thread context and data version) → the agent; then persist the decision and answer.
 * Only complete answers are cached (no errors, refusals, truncations or aborted runs). A cached answer
 * replays the events of the run that produced it, so a stream looks the same either way.
 */
export async function analyzeDecision(s: Services, req: AnalyzeRequest): Promise<AnalyzeResponse> {
  const started = performance.now();
  const { agent } = s;
  const [thread, dataVersion] = await Promise.all([loadThread(s.db, req), dataVersionOf(s.db, req.orgId)]);
  const contextHash = hashContext(thread);
  const scope = {
    orgId: req.orgId,
    model: agent.model,
    promptVersion: agent.promptVersion,
    contextHash,
    dataVersion,
  };
  const key = buildAnswerCacheKey(
    { ...scope, query: req.query, skillVersions: agent.skillVersions },
    s.cache.tiered.keyVersion,
  );

  let live = false;
  // `signal` is the shared load's: a concurrent identical request (single-flight) may be waiting on this run,
  // so one caller's disconnect detaches that caller only; the run is cancelled when nobody waits any more.
  const load = async (signal: AbortSignal): Promise<AnswerPayload> => {
    live = true;
    const hit = await s.semantic.lookup<StoredAnswer>({
      ...scope,
      query: req.query,
      skillVersions: agent.skillVersions,
    });
    const verification = hit.status === 'unavailable' ? undefined : semanticCheck(hit.verifications);
    if (hit.status === 'hit') {
      return { ...hit.response, source: 'semantic', cacheable: true, verification };
    }
    const events: AgentEvent[] = [];
    const t = performance.now();
    const r = await agent.analyze({
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
    const answer: StoredAnswer = {
      analysis: r.analysis,
      model: r.model,
      usage: r.usage,
      stopReason: r.stopReason,
      events,
    };
    // The analysis arrives as a validated submit_analysis tool call, so a complete final turn stops with
    // `tool_use` (Claude and the offline model alike); max_tokens, refusals and the like stay uncacheable.
    const stopReason = r.stopReason === 'tool_use' ? 'end_turn' : r.stopReason;
    const outcome = { stop_reason: stopReason, aborted: signal.aborted };
    const cacheable = isCacheable(outcome);
    const embedding = hit.status === 'miss' ? hit.embedding : undefined;
    if (cacheable) {
      await s.semantic.store({
        ...scope,
        query: req.query,
        response: answer,
        skillVersions: agent.skillVersions,
        outcome,
        embedding,
      });
    }
    return { ...answer, source: 'agent', cacheable, verification };
  };

  const got = await s.cache.tiered.getOrLoad(key, 'answer', load, {
    cacheIf: (v) => v.cacheable,
    signal: req.signal,
  });
  const payload = got.value;
  const ranHere = live && payload.source === 'agent';
  if (!ranHere && req.onEvent) for (const e of payload.events) req.onEvent(e);
  const answeredFrom: AnsweredFrom = got.level === 'source' ? payload.source : got.level;
  // the verifier ran in this request when the payload came from the source (not a replay from L1/L2)
  const verification = got.level === 'source' && live ? payload.verification : undefined;
  let usage = ranHere ? payload.usage : { ...ZERO_USAGE };
  if (verification) usage = sumUsage(usage, verification.usage);
  s.metrics.count('AnsweredFrom', { level: answeredFrom });
  if (verification) s.metrics.count('SemanticVerifierCostUsd', {}, verification.usage.cost_usd);
  if (ranHere || verification) {
    s.metrics.count('LlmTokens', { type: 'input' }, usage.input_tokens);
    s.metrics.count('LlmTokens', { type: 'output' }, usage.output_tokens);
    s.metrics.count('LlmTokens', { type: 'cache_read' }, usage.cache_read_input_tokens);
    s.metrics.count('LlmTokens', { type: 'cache_write' }, usage.cache_creation_input_tokens);
    s.metrics.count('LlmCostUsd', {}, usage.cost_usd);
  }

  const decisionId = req.decisionId ?? randomUUID();
  const response: AnalyzeResponse = {
    decision_id: decisionId,
    query: req.query,
    thread_id: req.threadId,
    ...payload.analysis,
    ...noticesOf(payload.analysis),
    model: payload.model,
    usage,
    latency_ms: 0,
    answered_from: answeredFrom,
    ...(verification ? { semantic_check: verification } : {}),
    created_at: '',
  };
  response.latency_ms = Math.round(performance.now() - started);
  response.created_at = await insertDecision(
    s.db,
    { decisionId, orgId: req.orgId, userId: req.userId, threadId: req.threadId, response },
    await embeddingForRow(s, req.query, payload.analysis.recommendation),
  );
  // The agent KPIs (mean < 2 s, P95 < 5 s) are over every analyze request, whichever level answered.
  if (!req.background) s.metrics.timing('AnalyzeTime', performance.now() - started);
  return response;
}
