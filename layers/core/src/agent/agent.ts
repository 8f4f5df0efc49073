import { notBundled } from '../bundle-flags';
import type { Queryable } from '../db/types';
import type { Analysis } from '../decisions/types';
import { UpstreamUnavailableError } from '../errors';
import { createAnthropicLlm } from '../llm/anthropic';
import { type LlmConfig, loadLlmConfig } from '../llm/config';
import { DeadlineExceeded } from '../llm/errors';
import { toUsage } from '../llm/pricing';
import type { Llm, StopReason } from '../llm/types';
import type { Usage } from '../llm/usage';
import { createBuiltinRegistry } from '../skills/builtin';
import { createSkillExecutor, type SkillExecutor, type SkillExecutorOptions } from '../skills/executor';
import type { SkillRegistry } from '../skills/registry';
import { type AgentConfig, loadAgentConfig } from './config';
import {
  estimateMessageTokens,
  fitThreadToBudget,
  type MessageTokenCounter,
  type PriorTurn,
} from './context-budget';
import type { AgentEventListener } from './events';
import { runAgentLoop } from './loop';
import { createOfflineLlm } from './offline/offline-llm';
import { PROMPT_VERSION } from './prompt';

export interface AnalyzeInput {
  query: string;
  /** From the authenticated caller; skills scope every query to it. */
  orgId: string;
  userId: string;
  /** Earlier turns of the same thread, oldest first. */
  thread?: PriorTurn[];
  /** Cancels the analysis (e.g. the client went away). */
  signal?: AbortSignal;
  /** Streaming: skill_started / skill_finished / text events as they happen. */
  onEvent?: AgentEventListener;
  /** false: no token-by-token text (see AgentLoopInput.streamText); text events arrive per completed turn. */
  streamText?: boolean;
}

export interface AgentResult {
  analysis: Analysis;
  model: string;
  usage: Usage;
  /** Time spent waiting for the model (all calls, retries included). */
  llmMs: number;
  /** Wall time of each model call (retries of one call included in it). */
  llmCallMs: number[];
  stopReason: StopReason;
  /**
   * The analysis is whole: the model submitted it and stopped normally (not cut off by max_tokens, refused,
   * paused or cancelled). Only complete answers may be cached.
   */
  complete: boolean;
  llmCalls: number;
  steps: number;
  thread: { keptTurns: number; droppedTurns: number; tokens: number };
}

export interface Agent {
  readonly model: string;
  readonly provider: 'anthropic' | 'offline';
  readonly promptVersion: string;
  /** name → version of every skill the model may call (part of answer-cache keys) */
  readonly skillVersions: Record<string, string>;
  analyze(input: AnalyzeInput): Promise<AgentResult>;
}

export interface CreateAgentOptions {
  db: Queryable;
  config?: { llm?: LlmConfig; agent?: AgentConfig };
  /** Replaces the configured model (tests, benchmarks). */
  llm?: Llm;
  registry?: SkillRegistry;
  /** Metrics hook: one call per skill execution. */
  onSkillResult?(name: string, ok: boolean, durationMs: number): void;
  /** Around each skill run (after input validation), e.g. the skill-result cache. */
  wrapSkillRun?: SkillExecutorOptions['wrapRun'];
  now?: () => Date;
}

/**
 * Stop reasons of a whole final turn. The analysis arrives as a validated `submit_analysis` tool call, so a
 * complete run ends with `tool_use` (Claude and the offline model alike); `end_turn` and `stop_sequence` are
 * whole turns too. Anything else (max_tokens, refusal, pause_turn, model_context_window_exceeded) is not.
 */
const COMPLETE_STOP_REASONS: ReadonlySet<string> = new Set(['tool_use', 'end_turn', 'stop_sequence']);

/** Whether a run that ended with `stopReason` under `signal` produced a whole, cacheable analysis. */
export function isComplete(stopReason: StopReason | null, signal?: AbortSignal): boolean {
  return stopReason !== null && COMPLETE_STOP_REASONS.has(stopReason) && !signal?.aborted;
}

export function createLlm(config: LlmConfig): Llm {
  if (config.provider === 'anthropic') return createAnthropicLlm(config);
  // A stage bundled for Claude carries no offline model (see bundle-flags.ts).
  return process.env.CEO_BUNDLE_LLM_PROVIDER === 'anthropic'
    ? notBundled('The offline model', process.env.CEO_BUNDLE_LLM_PROVIDER)
    : createOfflineLlm();
}

/**
 * The decision agent: Claude (or the offline model when no API key / base URL is configured) with the
 * built-in skills as tools. Create it once per process (module scope); `analyze` is safe to call
 * concurrently.
 */
export function createAgent(options: CreateAgentOptions): Agent {
  const llmConfig = options.config?.llm ?? loadLlmConfig();
  const agentConfig = options.config?.agent ?? loadAgentConfig();
  const llm = options.llm ?? createLlm(llmConfig);
  const registry = options.registry ?? createBuiltinRegistry();
  const executor: SkillExecutor = createSkillExecutor({
    registry,
    timeoutMs: agentConfig.skillTimeoutMs,
    onSkillResult: options.onSkillResult,
    wrapRun: options.wrapSkillRun,
  });
  const now = options.now ?? (() => new Date());

  // Exact counts only near the limit: a remote count costs a round trip, the estimate is free.
  const threadBudget = agentConfig.threadBudgetTokens;
  const counter: MessageTokenCounter =
    llm.kind === 'anthropic'
      ? async (messages) => {
          const estimate = await estimateMessageTokens(messages);
          if (estimate < threadBudget * 0.6) return estimate;
          return llm.countTokens({ system: '', tools: [], messages });
        }
      : estimateMessageTokens;

  return {
    model: llm.model,
    provider: llm.kind,
    promptVersion: PROMPT_VERSION,
    skillVersions: Object.fromEntries(registry.list().map((s) => [s.name, s.version])),
    async analyze(input: AnalyzeInput): Promise<AgentResult> {
      const deadline = new AbortController();
      const timer = setTimeout(
        () => deadline.abort(new DeadlineExceeded(agentConfig.deadlineMs)),
        agentConfig.deadlineMs,
      );
      const signal = input.signal ? AbortSignal.any([input.signal, deadline.signal]) : deadline.signal;
      const checkpoint = () => {
        if (!signal.aborted) return;
        if (signal.reason instanceof DeadlineExceeded) {
          throw new UpstreamUnavailableError('llm', signal.reason.message, 5, signal.reason);
        }
        throw signal.reason;
      };
      try {
        const thread = await fitThreadToBudget(input.thread ?? [], threadBudget, counter);
        const result = await runAgentLoop({
          llm,
          registry,
          executor,
          query: input.query,
          history: thread.messages,
          context: { orgId: input.orgId, userId: input.userId, db: options.db, now: now(), signal },
          maxSteps: agentConfig.maxSteps,
          onEvent: input.onEvent,
          streamText: input.streamText,
          checkpoint,
        });
        checkpoint();
        return {
          analysis: result.analysis,
          model: llm.model,
          usage: toUsage(llm.model, result.tokens, llmConfig.priceOverride, llm.priceMultiplier),
          llmMs: result.llmMs,
          llmCallMs: result.llmCallMs,
          stopReason: result.stopReason,
          complete: isComplete(result.stopReason, signal),
          llmCalls: result.llmCalls,
          steps: result.steps,
          thread: { keptTurns: thread.keptTurns, droppedTurns: thread.droppedTurns, tokens: thread.tokens },
        };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** A prior turn for `thread`, from an earlier decision's stored analysis. */
export function priorTurnFromAnalysis(
  query: string,
  analysis: Pick<Analysis, 'recommendation' | 'confidence' | 'rationale'>,
): PriorTurn {
  const rationale =
    analysis.rationale.length > 600 ? `${analysis.rationale.slice(0, 599)}…` : analysis.rationale;
  return {
    query,
    answer: `${analysis.recommendation} (confidence ${Math.round(analysis.confidence * 100)}%) ${rationale}`,
  };
}
