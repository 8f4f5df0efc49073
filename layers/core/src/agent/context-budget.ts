import { estimateTokens, type LlmMessage } from '../llm/types';

/** One earlier question in the same thread and a short summary of its answer. */
export interface PriorTurn {
  query: string;
  answer: string;
}

export interface ThreadContext {
  /** user/assistant messages to put before the new question (alternating, starting with user) */
  messages: LlmMessage[];
  keptTurns: number;
  droppedTurns: number;
  /** the one message that stands for the dropped turns, when any were dropped */
  summary: string | null;
  tokens: number;
}

/** Counts the input tokens of thread messages: `Llm.countTokens` online, the chars/4 estimate offline. */
export type MessageTokenCounter = (messages: LlmMessage[]) => Promise<number>;

export const estimateMessageTokens: MessageTokenCounter = async (messages) =>
  messages.reduce(
    (total, m) =>
      total + 4 + estimateTokens(typeof m.content === 'string' ? m.content : JSON.stringify(m.content)),
    0,
  );

const SUMMARY_ACK = 'Noted: I will take that earlier discussion into account.';

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1))}…`;
}

/** One compact line per dropped turn, newest kept first when space runs out. */
export function summariseTurns(turns: readonly PriorTurn[], maxChars: number): string {
  const header = `Summary of ${turns.length} earlier question${turns.length === 1 ? '' : 's'} in this thread:`;
  const lines = turns.map((t, i) => `${i + 1}. Q: ${clip(t.query, 160)} → A: ${clip(t.answer, 220)}`);
  let text = [header, ...lines].join('\n');
  // Over budget: drop the oldest lines (the most recent dropped context is the most useful).
  let from = 0;
  while (text.length > maxChars && from < lines.length - 1) {
    from++;
    text = [header, `(${from} older omitted)`, ...lines.slice(from)].join('\n');
  }
  return clip(text, maxChars);
}

function build(
  turns: readonly PriorTurn[],
  dropped: number,
  summaryChars: number,
): { messages: LlmMessage[]; summary: string | null } {
  const messages: LlmMessage[] = [];
  let summary: string | null = null;
  if (dropped > 0) {
    summary = summariseTurns(turns.slice(0, dropped), summaryChars);
    messages.push({ role: 'user', content: summary }, { role: 'assistant', content: SUMMARY_ACK });
  }
  for (const t of turns.slice(dropped)) {
    messages.push({ role: 'user', content: t.query }, { role: 'assistant', content: t.answer });
  }
  return { messages, summary };
}

/**
 * Fits a follow-up's earlier turns into `budgetTokens`: keeps the newest turns verbatim, drops the oldest
 * and replaces them with one summary message. A cheap local estimate picks the starting point; the given
 * counter (the API's token count when online) confirms it, dropping more turns while it is over budget.
 */
export async function fitThreadToBudget(
  allTurns: readonly PriorTurn[],
  budgetTokens: number,
  count: MessageTokenCounter = estimateMessageTokens,
): Promise<ThreadContext> {
  const turns = allTurns;
  if (turns.length === 0 || budgetTokens <= 0) {
    return { messages: [], keptTurns: 0, droppedTurns: allTurns.length, summary: null, tokens: 0 };
  }
  // The summary may use up to a third of the budget (≈ 4 chars per token).
  const summaryChars = Math.max(80, Math.floor((budgetTokens * 4) / 3));
  let dropped = 0;
  while (
    dropped < turns.length &&
    (await estimateMessageTokens(build(turns, dropped, summaryChars).messages)) > budgetTokens
  ) {
    dropped++;
  }
  for (; dropped <= turns.length; dropped++) {
    const { messages, summary } = build(turns, dropped, summaryChars);
    const tokens = messages.length === 0 ? 0 : await count(messages);
    if (tokens <= budgetTokens || dropped === turns.length) {
      if (tokens > budgetTokens) break; // even the summary alone is too large
      return {
        messages,
        keptTurns: turns.length - dropped,
        droppedTurns: dropped,
        summary,
        tokens,
      };
    }
  }
  return { messages: [], keptTurns: 0, droppedTurns: allTurns.length, summary: null, tokens: 0 };
}
