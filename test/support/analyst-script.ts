import type { FakeReply, RecordedRequest } from './fake-anthropic';

/**
 * A scripted Claude for the analyze end-to-end tests: turn 1 says a sentence and asks for two skills
 * (company_metrics, financial_projection) at once; the next turn says a sentence and submits an analysis whose
 * recommendation names the answer's sequence number and the question, so a test can tell which run produced an
 * answer (a cached answer carries the number of the run that produced it).
 */
export interface ScriptedAnalyst {
  /** Use as the stand-in's fallback (or queue it with `script`). */
  step(request: RecordedRequest): FakeReply;
  /** Analyses submitted so far. */
  readonly answers: number;
}

export const ANALYST_INTRO = 'Let me look at the company numbers and model the investment first.';
export const ANALYST_OUTRO = 'The numbers support a staged investment.';

interface Message {
  role: string;
  content: unknown;
}

/** The question being analysed: the last user message written as plain text. */
export function questionOf(request: RecordedRequest): string {
  const messages: Message[] = request.body?.messages ?? [];
  const last = [...messages].reverse().find((m) => m.role === 'user' && typeof m.content === 'string');
  return (last?.content as string | undefined) ?? '';
}

/** A request that starts an analysis (the question is the last message), as opposed to a tool-result turn. */
export function isFirstTurn(request: RecordedRequest): boolean {
  const messages: Message[] = request.body?.messages ?? [];
  return request.path === '/v1/messages' && typeof messages.at(-1)?.content === 'string';
}

/** How many analyses the stand-in was asked to start (optionally only for one question). */
export function analysisRuns(requests: readonly RecordedRequest[], question?: string): number {
  return requests.filter((r) => isFirstTurn(r) && (question === undefined || questionOf(r) === question))
    .length;
}

export interface ScriptedAnalystOptions {
  /** Extra latency per reply. */
  delayMs?: number;
  /** false: the recommendation does not carry the answer's sequence number (identical runs, identical answers). */
  numbered?: boolean;
}

export function createScriptedAnalyst(opts: ScriptedAnalystOptions = {}): ScriptedAnalyst {
  let answers = 0;
  return {
    get answers() {
      return answers;
    },
    step(request) {
      const messages: Message[] = request.body?.messages ?? [];
      const last = messages.at(-1);
      const hasResults =
        Array.isArray(last?.content) &&
        (last.content as Array<{ type: string }>).some((b) => b.type === 'tool_result');
      const forced = request.body?.tool_choice?.type === 'tool';
      if (!hasResults && !forced) {
        return {
          delayMs: opts.delayMs,
          content: [
            { type: 'text', text: ANALYST_INTRO },
            { type: 'tool_use', name: 'company_metrics', input: { metrics: ['revenue'], periods: 4 } },
            {
              type: 'tool_use',
              name: 'financial_projection',
              input: { initial_investment: 1e6, annual_cash_flow: 3e5, years: 5, discount_rate: 0.1 },
            },
          ],
        };
      }
      answers++;
      const question = questionOf(request);
      return {
        delayMs: opts.delayMs,
        content: [
          { type: 'text', text: ANALYST_OUTRO },
          {
            type: 'tool_use',
            name: 'submit_analysis',
            input: {
              recommendation:
                opts.numbered === false ? `Answer: ${question}` : `Answer #${answers}: ${question}`,
              options: [
                {
                  name: 'Invest in stages',
                  summary: 'Two tranches',
                  score: 0.7,
                  pros: ['NPV positive'],
                  cons: [],
                },
                { name: 'Wait', summary: 'Defer a year', score: 0.3, pros: ['No risk'], cons: ['Lost time'] },
              ],
              risks: [{ name: 'Slow ramp', likelihood: 3, impact: 4, mitigation: 'Stage the spend' }],
              confidence: 0.7,
              rationale: 'NPV is positive at 10% and revenue keeps growing.',
            },
          },
        ],
      };
    },
  };
}
