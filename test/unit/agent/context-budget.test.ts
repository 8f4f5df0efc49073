import { describe, expect, it } from 'vitest';
import {
  estimateMessageTokens,
  fitThreadToBudget,
  type PriorTurn,
  summariseTurns,
} from '#core/agent/context-budget';
import type { LlmMessage } from '#core/llm/types';

const turn = (i: number, size = 100): PriorTurn => ({
  query: `Q${i} ${'q'.repeat(size)}`,
  answer: `A${i} ${'a'.repeat(size)}`,
});

describe('thread context budget', () => {
  it('keeps every turn when they fit', async () => {
    const turns = [turn(1), turn(2)];
    const ctx = await fitThreadToBudget(turns, 10_000);
    expect(ctx.keptTurns).toBe(2);
    expect(ctx.droppedTurns).toBe(0);
    expect(ctx.summary).toBeNull();
    expect(ctx.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(ctx.messages[0]?.content).toBe(turns[0]?.query);
    expect(ctx.tokens).toBe(await estimateMessageTokens(ctx.messages));
  });

  it('drops the oldest turns first and replaces them with one summary message', async () => {
    // each turn ≈ 2 × (4 + 26) = 60 estimated tokens
    const turns = Array.from({ length: 8 }, (_, i) => turn(i + 1));
    const ctx = await fitThreadToBudget(turns, 200);
    expect(ctx.droppedTurns).toBeGreaterThan(0);
    expect(ctx.keptTurns + ctx.droppedTurns).toBe(8);
    expect(ctx.tokens).toBeLessThanOrEqual(200);
    expect(ctx.summary).toMatch(
      new RegExp(`^Summary of ${ctx.droppedTurns} earlier questions in this thread:`),
    );
    // the summary is one user message (acknowledged), then the newest turns verbatim
    expect(ctx.messages[0]).toEqual({ role: 'user', content: ctx.summary });
    expect(ctx.messages[1]?.role).toBe('assistant');
    const kept = ctx.messages.slice(2);
    expect(kept.at(-2)?.content).toBe(turns[7]?.query);
    expect(kept.at(-1)?.content).toBe(turns[7]?.answer);
    expect(kept[0]?.content).toBe(turns[ctx.droppedTurns]?.query);
    // roles alternate
    expect(ctx.messages.map((m) => m.role)).toEqual(
      ctx.messages.map((_, i) => (i % 2 === 0 ? 'user' : 'assistant')),
    );
  });

  it('uses the given counter (e.g. the API count) to confirm, dropping more when it counts higher', async () => {
    const turns = Array.from({ length: 4 }, (_, i) => turn(i + 1));
    const calls: number[] = [];
    // a stricter counter than the local estimate: twice as many tokens
    const strict = async (messages: LlmMessage[]) => {
      const n = 2 * (await estimateMessageTokens(messages));
      calls.push(n);
      return n;
    };
    const loose = await fitThreadToBudget(turns, 250);
    const tight = await fitThreadToBudget(turns, 250, strict);
    expect(tight.droppedTurns).toBeGreaterThan(loose.droppedTurns);
    expect(tight.tokens).toBeLessThanOrEqual(250);
    expect(calls.length).toBeGreaterThan(1);
  });

  it('returns nothing when even the summary cannot fit, and handles an empty thread', async () => {
    const huge = [turn(1, 20_000)];
    const ctx = await fitThreadToBudget(huge, 5, async () => 1_000);
    expect(ctx.messages).toEqual([]);
    expect(ctx.droppedTurns).toBe(1);
    expect(await fitThreadToBudget([], 100)).toMatchObject({ messages: [], keptTurns: 0, droppedTurns: 0 });
  });

  it('summaries keep the most recent dropped turns when space runs out and stay within the limit', () => {
    const turns = Array.from({ length: 10 }, (_, i) => ({
      query: `Question number ${i + 1}`,
      answer: `Answer ${i + 1}`,
    }));
    const text = summariseTurns(turns, 200);
    expect(text.length).toBeLessThanOrEqual(200);
    expect(text).toContain('Question number 10');
    expect(text).not.toContain('Question number 1 ');
    expect(text).toMatch(/older omitted/);
  });
});
