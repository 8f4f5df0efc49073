import {
  estimateRequestTokens,
  type Llm,
  type LlmCallOptions,
  type LlmMessage,
  type LlmRequest,
  type LlmResponse,
  type LlmTextBlock,
  type LlmToolUseBlock,
  ZERO_TOKENS,
} from '../../llm/types';
import type { CompanyMetricsOutput } from '../../skills/builtin/company-metrics';
import { SUBMIT_TOOL_NAME } from '../analysis-schema';
import { FORCE_SUBMIT_PROMPT } from '../prompt';
import { composeAnalysis, type SkillOutcomes } from './composer';
import { resolveFollowUp } from './follow-up';
import { type PlannedCall, planForQuestion } from './planner';

interface Conversation {
  question: string;
  outcomes: SkillOutcomes;
  toolTurns: number;
  /** the thread's previous turn (question and the answer it got), when there is one */
  previous?: { question: string; answer: string };
}

function textOf(content: LlmMessage['content']): string | undefined {
  if (typeof content === 'string') return content;
  const texts = content.filter((b): b is LlmTextBlock => b.type === 'text').map((b) => b.text);
  return texts.length > 0 && content.every((b) => b.type === 'text') ? texts.join('\n') : undefined;
}

/** The current question (the last plain user message) and the tool results that followed it. */
export function readConversation(messages: readonly LlmMessage[]): Conversation {
  let start = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'user') continue;
    const text = textOf(m.content);
    if (text !== undefined && text !== FORCE_SUBMIT_PROMPT) {
      start = i;
      break;
    }
  }
  const question = start >= 0 ? (textOf(messages[start]!.content) ?? '') : '';
  const names = new Map<string, { name: string; input: unknown }>();
  const outcomes: SkillOutcomes = { outputs: new Map(), errors: new Map(), calls: [] };
  let toolTurns = 0;
  for (const m of messages.slice(start + 1)) {
    if (typeof m.content === 'string') continue;
    if (m.role === 'assistant') {
      let used = false;
      for (const b of m.content) {
        if (b.type === 'tool_use' && b.name !== SUBMIT_TOOL_NAME) {
          names.set(b.id, { name: b.name, input: b.input });
          outcomes.calls.push({ name: b.name, input: b.input as Record<string, unknown> });
          used = true;
        }
      }
      if (used) toolTurns++;
      continue;
    }
    for (const b of m.content) {
      if (b.type !== 'tool_result') continue;
      const call = names.get(b.tool_use_id);
      if (!call) continue;
      if (b.is_error) {
        outcomes.errors.set(call.name, b.content.replace(/^Error:\s*/, ''));
        continue;
      }
      try {
        outcomes.outputs.set(call.name, JSON.parse(b.content));
        outcomes.errors.delete(call.name);
      } catch {
        outcomes.errors.set(call.name, 'unreadable tool result');
      }
    }
  }
  return { question, outcomes, toolTurns, previous: previousTurn(messages, start) };
}

/** The last earlier user/assistant pair of plain text before the current question (a thread's turn). */
function previousTurn(messages: readonly LlmMessage[], start: number): Conversation['previous'] {
  for (let i = start - 1; i >= 1; i--) {
    const m = messages[i]!;
    const before = messages[i - 1]!;
    if (m.role !== 'assistant' || before.role !== 'user') continue;
    const answer = textOf(m.content);
    const question = textOf(before.content);
    if (answer !== undefined && question !== undefined) return { question, answer };
  }
  return undefined;
}

const SKILL_LABEL: Record<string, string> = {
  company_metrics: 'company metrics',
  past_decisions: 'earlier decisions',
  financial_projection: 'a cash-flow projection',
  scenario_simulation: 'a Monte Carlo simulation',
  decision_matrix: 'a decision matrix',
  risk_assessment: 'a risk assessment',
};

function chunks(text: string, size = 24): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function respond(
  turn: number,
  text: string,
  tools: Array<{ name: string; input: unknown }>,
  opts: LlmCallOptions,
): LlmResponse {
  if (opts.onText) for (const c of chunks(text)) opts.onText(c);
  const content: Array<LlmTextBlock | LlmToolUseBlock> = [{ type: 'text', text }];
  for (const [i, t] of tools.entries()) {
    content.push({ type: 'tool_use', id: `toolu_offline_${turn}_${i + 1}`, name: t.name, input: t.input });
  }
  return {
    content,
    stopReason: tools.length > 0 ? 'tool_use' : 'end_turn',
    usage: ZERO_TOKENS,
    model: 'offline',
  };
}

/**
 * A deterministic stand-in for Claude behind the same `Llm` seam, used when no API key or base URL is
 * configured. It reads the question, asks for skills like Claude would (independent ones in one turn, a
 * second turn for those that need the company's metrics), and submits an analysis composed from the skill
 * results. It streams its text in chunks when asked to.
 */
export function createOfflineLlm(): Llm {
  return {
    kind: 'offline',
    model: 'offline',
    async complete(request: LlmRequest, opts: LlmCallOptions = {}) {
      const conversation = readConversation(request.messages);
      const { outcomes, toolTurns } = conversation;
      const followUp = resolveFollowUp(conversation.question, conversation.previous);
      const question = followUp?.question ?? conversation.question;
      const { plan, details } = planForQuestion(question);
      const forced = request.toolChoice.type === 'tool';
      const available = new Set(request.tools.map((t) => t.name));
      const runnable = (calls: PlannedCall[]) => calls.filter((c) => available.has(c.name));
      const metrics = outcomes.outputs.get('company_metrics') as CompanyMetricsOutput | undefined;

      if (!forced && toolTurns === 0) {
        const calls = runnable(plan.first);
        if (calls.length > 0) {
          const list = calls.map((c) => SKILL_LABEL[c.name] ?? c.name).join(', ');
          return respond(1, `To answer this I will look at ${list}.`, calls, opts);
        }
      }
      const second = plan.second?.(metrics) ?? [];
      const secondDone =
        second.length === 0 ||
        second.some((c) => outcomes.outputs.has(c.name) || outcomes.errors.has(c.name));
      if (!forced && toolTurns === 1 && !secondDone) {
        const calls = runnable(second);
        if (calls.length > 0) {
          const base = metrics && metrics.metrics.length > 0 ? 'the company metrics' : 'stated assumptions';
          return respond(2, `Now modelling the financials from ${base}.`, calls, opts);
        }
      }
      const analysis = composeAnalysis(plan, details, outcomes);
      if (followUp) {
        analysis.recommendation = `On ${followUp.subject} (recommended in the previous turn): ${analysis.recommendation}`;
        analysis.rationale = `Follow-up to "${conversation.previous?.question}", read as: "${question}". ${analysis.rationale}`;
      }
      const response = respond(
        toolTurns + 1,
        analysis.rationale,
        [{ name: SUBMIT_TOOL_NAME, input: analysis }],
        opts,
      );
      return response;
    },
    async countTokens(request) {
      return estimateRequestTokens(request);
    },
  };
}
