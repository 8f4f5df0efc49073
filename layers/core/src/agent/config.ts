import * as z from 'zod';
import { parseEnv } from '../env';

const AgentConfigSchema = z.object({
  /** Tool-use rounds before the analysis is forced. */
  AGENT_MAX_STEPS: z.coerce.number().int().min(1).max(10).default(3),
  /** The whole analysis (every LLM call, retry and skill); below the 29 s API Gateway limit. */
  AGENT_DEADLINE_MS: z.coerce.number().int().min(100).max(900_000).default(25_000),
  SKILL_TIMEOUT_MS: z.coerce.number().int().min(10).max(120_000).default(5_000),
  /** Tokens a follow-up's earlier turns may take; older turns are summarised beyond it. */
  AGENT_THREAD_BUDGET_TOKENS: z.coerce.number().int().min(0).max(200_000).default(3_000),
});

export interface AgentConfig {
  maxSteps: number;
  deadlineMs: number;
  skillTimeoutMs: number;
  threadBudgetTokens: number;
}

export function loadAgentConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const c = parseEnv(AgentConfigSchema, env, 'agent');
  return {
    maxSteps: c.AGENT_MAX_STEPS,
    deadlineMs: c.AGENT_DEADLINE_MS,
    skillTimeoutMs: c.SKILL_TIMEOUT_MS,
    threadBudgetTokens: c.AGENT_THREAD_BUDGET_TOKENS,
  };
}
