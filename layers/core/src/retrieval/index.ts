export { DEFAULT_RETRIEVAL_CONFIG, loadRetrievalConfig, type RetrievalConfig } from './config';
export {
  decisionEmbeddingText,
  decisionVector,
  type EmbedDecisionInput,
  type EmbedDecisionResult,
  embedDecision,
} from './embed-decision';
export { type Fused, fuseScores, type Scored } from './fuse';
export {
  type CachedSearchOptions,
  type DecisionSearchItem,
  type DecisionSearchParams,
  type DecisionSearchResult,
  searchDecisions,
  searchDecisionsCached,
} from './search';
