import type { Analysis, SkillSummary } from '../decisions/types';
import { LlmOutputError } from '../llm/errors';
import {
  addTokens,
  type Llm,
  type LlmMessage,
  type LlmRequest,
  type LlmResponse,
  type LlmToolResultBlock,
  type LlmToolUseBlock,
  type StopReason,
  type TokenUsage,
  ZERO_TOKENS,
} from '../llm/types';
import { type ExecutionContext, formatZodIssues, type SkillExecutor } from '../skills/executor';
import type { SkillRegistry } from '../skills/registry';
import type { SkillResult, ToolDefinition } from '../skills/types';
import {
  normaliseSubmission,
  SUBMIT_TOOL,
  SUBMIT_TOOL_NAME,
  SubmittedAnalysisSchema,
} from './analysis-schema';
import type { AgentEventListener } from './events';
import { FORCE_SUBMIT_PROMPT, SYSTEM_PROMPT } from './prompt';

export interface AgentLoopInput {
  llm: Llm;
  registry: SkillRegistry;
  executor: SkillExecutor;
  query: string;
  /** Earlier turns of the thread, already fitted to the context budget. */
  history: LlmMessage[];
  context: ExecutionContext & { signal: AbortSignal };
  maxSteps: number;
  onEvent?: AgentEventListener;
  /**
   * Stream the model's text as it is written (default true when there is an onEvent listener). false: one
   * non-streaming call per turn and a `text` event per text block once the turn is complete — what a JSON
   * answer needs (its events are kept only to replay a cached answer), without the SDK's per-delta work.
   */
  streamText?: boolean;
  /** Checked before every LLM call; throws when the run must stop (deadline, cancellation). */
  checkpoint(): void;
}

export interface AgentLoopResult {
  analysis: Analysis;
  tokens: TokenUsage;
  llmMs: number;
  /** Wall time of each model call, in order (the per-call LlmCallLatency metric). */
  llmCallMs: number[];
  llmCalls: number;
  steps: number;
  stopReason: StopReason;
}

export function toolResultBlock(result: SkillResult): LlmToolResultBlock {
  return result.ok
    ? { type: 'tool_result', tool_use_id: result.id, content: JSON.stringify(result.output) }
    : { type: 'tool_result', tool_use_id: result.id, content: `Error: ${result.error}`, is_error: true };
}

export function toSkillSummary(r: SkillResult): SkillSummary {
  return {
    name: r.name,
    version: r.version,
    ok: r.ok,
    duration_ms: Math.round(r.durationMs),
    figures: r.figures,
    ...(r.ok ? {} : { error: r.error }),
  };
}

/**
 * The tool loop: up to `maxSteps` model turns with tools (independent tool calls of a turn run concurrently,
 * failures become `is_error` tool results), then the analysis — submitted by the model through the
 * `submit_analysis` tool, or forced with `tool_choice` — validated with zod (one corrective retry).
 */
export async function runAgentLoop(input: AgentLoopInput): Promise<AgentLoopResult> {
  const { llm, executor, context, onEvent } = input;
  const streamText = onEvent !== undefined && input.streamText !== false;
  const tools: ToolDefinition[] = [...input.registry.toolDefinitions(), SUBMIT_TOOL];
  const messages: LlmMessage[] = [...input.history, { role: 'user', content: input.query }];
  const skillResults: SkillResult[] = [];
  let tokens = ZERO_TOKENS;
  let llmMs = 0;
  let llmCalls = 0;
  const llmCallMs: number[] = [];

  const call = async (toolChoice: LlmRequest['toolChoice']): Promise<LlmResponse> => {
    input.checkpoint();
    const started = performance.now();
    try {
      const response = await llm.complete(
        {
          system: SYSTEM_PROMPT,
          tools,
          messages,
          toolChoice,
          signal: context.signal,
          userId: context.userId,
        },
        streamText ? { onText: (delta) => onEvent?.({ type: 'text', delta }) } : {},
      );
      if (onEvent && !streamText) {
        for (const block of response.content)
          if (block.type === 'text' && block.text) onEvent({ type: 'text', delta: block.text });
      }
      tokens = addTokens(tokens, response.usage);
      return response;
    } finally {
      llmCalls++;
      const ms = performance.now() - started;
      llmMs += ms;
      llmCallMs.push(Math.round(ms));
    }
  };

  const finish = (
    submitted: Omit<Analysis, 'skills'>,
    stopReason: StopReason,
    steps: number,
  ): AgentLoopResult => ({
    analysis: { ...submitted, skills: skillResults.map(toSkillSummary) },
    tokens,
    llmMs: Math.round(llmMs),
    llmCallMs,
    llmCalls,
    steps,
    stopReason,
  });

  let steps = 0;
  while (steps < input.maxSteps) {
    steps++;
    const response = await call({ type: 'auto' });
    if (response.content.length > 0) messages.push({ role: 'assistant', content: response.content });
    if (response.stopReason === 'refusal')
      throw new LlmOutputError('Claude declined to analyse this question');
    const uses = response.content.filter((b): b is LlmToolUseBlock => b.type === 'tool_use');
    const submit = uses.find((u) => u.name === SUBMIT_TOOL_NAME);
    const skillCalls = uses.filter((u) => u.name !== SUBMIT_TOOL_NAME);
    if (uses.length === 0) break; // the model wrote text and stopped: force the structured answer

    if (submit && skillCalls.length === 0) {
      const parsed = SubmittedAnalysisSchema.safeParse(submit.input);
      if (parsed.success) return finish(normaliseSubmission(parsed.data), response.stopReason, steps);
      return retrySubmission(submit, formatZodIssues(parsed.error));
    }

    const results = await executor.execute(
      skillCalls.map((u) => ({ id: u.id, name: u.name, input: u.input })),
      context,
      {
        onStart: (c) => onEvent?.({ type: 'skill_started', id: c.id, name: c.name }),
        onFinish: (r) =>
          onEvent?.({
            type: 'skill_finished',
            id: r.id,
            name: r.name,
            ok: r.ok,
            duration_ms: Math.round(r.durationMs),
            figures: r.figures,
            ...(r.ok ? {} : { error: r.error }),
          }),
      },
    );
    skillResults.push(...results);
    const blocks: LlmToolResultBlock[] = results.map(toolResultBlock);
    if (submit) {
      blocks.push({
        type: 'tool_result',
        tool_use_id: submit.id,
        content: 'Ignored: submit_analysis must be called alone, after the other tools have returned.',
        is_error: true,
      });
    }
    messages.push({ role: 'user', content: blocks });
  }

  // Forced structured answer. A trailing assistant turn would be read as a prefill: ask explicitly.
  if (messages[messages.length - 1]?.role === 'assistant') {
    messages.push({ role: 'user', content: FORCE_SUBMIT_PROMPT });
  }
  const forced = await call({ type: 'tool', name: SUBMIT_TOOL_NAME });
  messages.push({ role: 'assistant', content: forced.content });
  const submit = forced.content.find(
    (b): b is LlmToolUseBlock => b.type === 'tool_use' && b.name === SUBMIT_TOOL_NAME,
  );
  if (!submit)
    throw new LlmOutputError('Claude did not submit an analysis', { stopReason: forced.stopReason });
  const parsed = SubmittedAnalysisSchema.safeParse(submit.input);
  if (parsed.success) return finish(normaliseSubmission(parsed.data), forced.stopReason, steps);
  return retrySubmission(submit, formatZodIssues(parsed.error));

  async function retrySubmission(previous: LlmToolUseBlock, issues: string): Promise<AgentLoopResult> {
    // Every tool_use of the last assistant turn needs a result; the others were not run.
    const last = messages[messages.length - 1];
    const pending = last && Array.isArray(last.content) ? last.content : [];
    const blocks: LlmToolResultBlock[] = pending
      .filter((b): b is LlmToolUseBlock => b.type === 'tool_use')
      .map((b) =>
        b.id === previous.id
          ? {
              type: 'tool_result',
              tool_use_id: b.id,
              content: `Invalid analysis: ${issues}. Call submit_analysis again with a corrected, complete analysis.`,
              is_error: true,
            }
          : { type: 'tool_result', tool_use_id: b.id, content: 'Not run.', is_error: true },
      );
    messages.push({ role: 'user', content: blocks });
    const again = await call({ type: 'tool', name: SUBMIT_TOOL_NAME });
    messages.push({ role: 'assistant', content: again.content });
    const retried = again.content.find(
      (b): b is LlmToolUseBlock => b.type === 'tool_use' && b.name === SUBMIT_TOOL_NAME,
    );
    const reparsed = retried ? SubmittedAnalysisSchema.safeParse(retried.input) : undefined;
    if (reparsed?.success) return finish(normaliseSubmission(reparsed.data), again.stopReason, steps);
    throw new LlmOutputError('Claude returned an invalid analysis twice', {
      issues: reparsed ? formatZodIssues(reparsed.error) : 'no submit_analysis call',
      firstIssues: issues,
    });
  }
}
