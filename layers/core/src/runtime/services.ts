import { type Agent, createAgent } from '../agent';
import { createSkillResultCache } from '../analysis/skill-cache';
import {
  type CacheStack,
  createCacheStack,
  createSemanticCache,
  getCacheConfig,
  type SemanticCache,
} from '../cache';
import { type Config, getConfig } from '../config';
import type { Db } from '../db/types';
import { createEmbeddings, type Embeddings, loadEmbeddingsConfig } from '../embeddings';
import type { Llm } from '../llm/types';
import { emfSink, type MetricsSink } from '../observability/metrics';
import { loadRetrievalConfig, type RetrievalConfig } from '../retrieval';
import { createBuiltinRegistry, createHybridPastDecisionsSkill } from '../skills/builtin';
import { getCacheStack } from './cache';
import { getDb } from './db';
import { hydrateProviderSecrets } from './secrets';

/** Everything the analyze/search paths use, created once per instance (module scope) and reused warm. */
export interface Services {
  config: Config;
  db: Db;
  cache: CacheStack;
  embeddings: Embeddings;
  semantic: SemanticCache;
  agent: Agent;
  retrieval: RetrievalConfig;
  metrics: MetricsSink;
}

export interface ServiceOverrides {
  /** A model other than the configured one (tests, benchmarks). */
  llm?: Llm;
  cache?: CacheStack;
  embeddings?: Embeddings;
  metrics?: MetricsSink;
}

export function createServices(config: Config, db: Db, o: ServiceOverrides = {}): Services {
  const metrics = o.metrics ?? emfSink;
  const cache = o.cache ?? createCacheStack(getCacheConfig(), metrics);
  cache.warm();
  const embeddings = o.embeddings ?? createEmbeddings(loadEmbeddingsConfig());
  const semantic = createSemanticCache(db, embeddings, { ...getCacheConfig().semantic, metrics });
  const retrieval = loadRetrievalConfig();
  const agent = createAgent({
    db,
    llm: o.llm,
    // past_decisions on the same hybrid retrieval as GET /api/v1/decisions/search (full text without pgvector)
    registry: createBuiltinRegistry({
      pastDecisions: createHybridPastDecisionsSkill({ db, embeddings, config: retrieval }),
    }),
    onSkillResult: (name, ok, ms) => {
      metrics.timing('SkillDuration', ms, { skill: name });
      if (!ok) metrics.count('SkillError', { skill: name });
    },
    wrapSkillRun: createSkillResultCache(cache.tiered),
  });
  return { config, db, cache, embeddings, semantic, agent, retrieval, metrics };
}

let shared: Promise<Services> | undefined;

/** The process-wide services; a failed start is not cached, so the next request tries again. */
export function getServices(): Promise<Services> {
  shared ??= (async () => {
    const config = getConfig();
    // Provider credentials kept in Secrets Manager must be in place before the clients read them.
    await hydrateProviderSecrets();
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
}
