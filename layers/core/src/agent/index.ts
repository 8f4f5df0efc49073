export {
  type Agent,
  type AgentResult,
  type AnalyzeInput,
  createAgent,
  createLlm,
  isComplete,
  priorTurnFromAnalysis,
} from './agent';
export { type AgentConfig, loadAgentConfig } from './config';
export { fitThreadToBudget, type PriorTurn, type ThreadContext } from './context-budget';
export type { AgentEvent, AgentEventListener } from './events';
export { PROMPT_VERSION } from './prompt';
