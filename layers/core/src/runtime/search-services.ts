import type { CacheStack } from '../cache';
import { type Config, getConfig } from '../config';
import type { Db } from '../db/types';
import { createEmbeddings, type Embeddings, loadEmbeddingsConfig } from '../embeddings';
import { emfSink, type MetricsSink } from '../observability/metrics';
import { loadRetrievalConfig, type RetrievalConfig } from '../retrieval/config';
import { getCacheStack } from './cache';
import { getDb } from './db';
import type { FunctionRoot } from './root';

/**
 * What the search route uses: the database, the cache stack, the embedder and the retrieval settings — and
 * nothing of the agent, so the search function's bundle carries neither the model client nor the skills.
 */
export interface SearchServices {
  config: Config;
  db: Db;
  cache: CacheStack;
  embeddings: Embeddings;
  retrieval: RetrievalConfig;
  metrics: MetricsSink;
}

export function createSearchServices(
  config: Config,
  db: Db,
  cache: CacheStack,
  o: { embeddings?: Embeddings; metrics?: MetricsSink } = {},
): SearchServices {
  return {
    config,
    db,
    cache,
    embeddings: o.embeddings ?? createEmbeddings(loadEmbeddingsConfig()),
    retrieval: loadRetrievalConfig(),
    metrics: o.metrics ?? emfSink,
  };
}

let shared: Promise<SearchServices> | undefined;

/** The process-wide search services; a failed start is not cached, so the next request tries again. */
export function getSearchServices(): Promise<SearchServices> {
  shared ??= (async () => {
    const config = getConfig();
    return createSearchServices(config, await getDb(config), await getCacheStack());
  })().catch((err) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

/** Tests and the local runtime hand in services they built (the full Services qualify), or undefined to reset. */
export function setSearchServices(s: SearchServices | undefined): void {
  shared = s ? Promise.resolve(s) : undefined;
}

/** The search route's services (its profile must declare `db`, `cache` and `embeddings`). */
export function searchServicesFor(root: FunctionRoot): Promise<SearchServices> {
  root.require('db');
  root.require('cache');
  root.require('embeddings');
  return getSearchServices();
}
