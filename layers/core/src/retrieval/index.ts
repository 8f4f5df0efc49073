export { DEFAULT_RETRIEVAL_CONFIG, loadRetrievalConfig, type RetrievalConfig } from './config';
export { type Fused, fuseMinMax, fuseRrf, fuseScores, fuseWith, type Scored } from './fuse';
export { anyWordTsQuery, KEYWORD_CANDIDATE_CAP, keywordCandidates } from './keyword';
export {
  type CachedSearchOptions,
  type DecisionSearchItem,
  type DecisionSearchParams,
  type DecisionSearchResult,
  searchDecisions,
  searchDecisionsCached,
} from './search';
