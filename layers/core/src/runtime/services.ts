import { type Agent, type AgentConfig, createAgent } from '../agent';
import {
  type AnswerCache,
  type CacheStack,
  createAnswerCache,
  createCacheStack,
  createSemanticCache,
  getCacheConfig,
  type SemanticCache,
} from '../cache';
import { type Config, getConfig } from '../config';
import type { Db } from '../db/types';
import { createDecisionStore, type DecisionStore } from '../decisions/decision-store';
import type { Embeddings } from '../embeddings';
import { loadLlmConfig } from '../llm/config';
import type { Llm } from '../llm/types';
import { createQuestionVerifier } from '../llm/verifier';
import { emfSink, type MetricsSink } from '../observability/metrics';
import { createBuiltinRegistry, createHybridPastDecisionsSkill } from '../skills/builtin';
import { createSkillResultCache } from '../skills/result-cache';
import { getCacheStack } from './cache';
import { getDb } from './db';
import type { FunctionRoot } from './root';
import { createSearchServices, type SearchServices, setSearchServices } from './search-services';

/** Everything the analyze path uses (search's services plus the agent), created once per instance and reused warm. */
export interface Services extends SearchServices {
  semantic: SemanticCache;
  /** The answer caches of analyze: exact (L1 → L2) over semantic, around the agent. */
  answers: AnswerCache;
  /** The `decisions` and `org_data_versions` reads and writes of analyze. */
  decisions: DecisionStore;
  agent: Agent;
  /**
   * The same agent (skills, caches, metrics) over another model (e.g. the Message Batches replay; undefined:
   * this services' model) or with another agent configuration (e.g. a job's `depth`: more or fewer turns).
   */
  agentWith?(llm: Llm | undefined, config?: AgentConfig): Agent;
}

export interface ServiceOverrides {
  /** A model other than the configured one (tests, benchmarks). */
  llm?: Llm;
  cache?: CacheStack;
  embeddings?: Embeddings;
  /** Another semantic level (tests turn it off). */
  semantic?: SemanticCache;
  metrics?: MetricsSink;
}

export function createServices(config: Config, db: Db, o: ServiceOverrides = {}): Services {
  const metrics = o.metrics ?? emfSink;
  const cache = o.cache ?? createCacheStack(getCacheConfig(), metrics);
  cache.warm();
  const search = createSearchServices(config, db, cache, { embeddings: o.embeddings, metrics });
  const { embeddings, retrieval } = search;
  const semanticConfig = getCacheConfig().semantic;
  const semantic =
    o.semantic ??
    createSemanticCache(db, embeddings, {
      ...semanticConfig,
      metrics,
      // borderline candidates: a small Claude model where Claude is configured (issue #10)
      verifier: createQuestionVerifier(loadLlmConfig(), semanticConfig.verifier),
    });
  // past_decisions on the same hybrid retrieval as GET /api/v1/decisions/search (full text without pgvector)
  const registry = createBuiltinRegistry({
    pastDecisions: createHybridPastDecisionsSkill({ db, embeddings, config: retrieval }),
  });
  const wrapSkillRun = createSkillResultCache(cache.tiered);
  const agentWith = (llm: Llm | undefined = o.llm, config?: AgentConfig) =>
    createAgent({
      db,
      llm,
      ...(config ? { config: { agent: config } } : {}),
      registry,
      onSkillResult: (name, ok, ms) => {
        metrics.timing('SkillDuration', ms, { skill: name });
        if (!ok) metrics.count('SkillError', { skill: name });
      },
      wrapSkillRun,
    });
  return {
    ...search,
    semantic,
    answers: createAnswerCache(cache.tiered, semantic),
    decisions: createDecisionStore(db, embeddings),
    agent: agentWith(o.llm),
    agentWith,
  };
}

let shared: Promise<Services> | undefined;

/** The process-wide services; a failed start is not cached, so the next request tries again. */
export function getServices(): Promise<Services> {
  shared ??= (async () => {
    const config = getConfig();
    // One cache stack per instance, shared with the rate limiter.
    return createServices(config, await getDb(config), { cache: await getCacheStack() });
  })().catch((err) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

/** Tests and the local runtime hand in services they built (or undefined to reset). */
export function setServices(s: Services | undefined): void {
  shared = s ? Promise.resolve(s) : undefined;
  setSearchServices(s);
}

/** The agent's services (its profile must declare `db`, `cache`, `embeddings` and `llm`). */
export function servicesFor(root: FunctionRoot): Promise<Services> {
  for (const need of ['db', 'cache', 'embeddings', 'llm'] as const) root.require(need);
  return getServices();
}
