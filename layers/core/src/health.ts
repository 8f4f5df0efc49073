import type { Config } from './config';
import { loadLlmConfig } from './llm/config';
import { getCacheStack } from './runtime/cache';
import { getDb } from './runtime/db';

export interface DependencyState {
  status: 'ok' | 'down' | 'unconfigured';
  latency_ms?: number;
  error?: string;
  [k: string]: unknown;
}

export interface HealthReport {
  /** down: the database is unreachable (503); degraded: an optional dependency (the L2 cache) is down */
  status: 'ok' | 'degraded' | 'down';
  version: string;
  stage: string;
  dependencies: Record<string, DependencyState>;
}

async function timed(fn: () => Promise<Record<string, unknown>>): Promise<DependencyState> {
  const t = performance.now();
  const ms = () => Math.round((performance.now() - t) * 10) / 10;
  try {
    const extra = await fn();
    return { status: 'ok', latency_ms: ms(), ...extra };
  } catch (err) {
    return { status: 'down', latency_ms: ms(), error: (err as Error).message };
  }
}

async function database(config: Config): Promise<DependencyState> {
  return timed(async () => {
    const db = await getDb(config);
    await db.ping(1_000);
    const caps = await db.capabilities();
    return { kind: db.kind, vector: caps.vector, semantic_cache: caps.vector ? 'available' : 'unavailable' };
  });
}

/** The L2 through its guard (bounded time-out, circuit breaker): a slow Redis cannot slow /health down. */
async function cache(): Promise<DependencyState> {
  const l2 = (await getCacheStack()).l2;
  if (!l2) return { status: 'unconfigured', detail: 'no L2 configured: L1 and the sources answer' };
  const state = await timed(async () => {
    await l2.ping();
    return {};
  });
  return { ...state, adapter: l2.adapter, breaker: l2.breaker.state };
}

function llm(): DependencyState {
  // Configuration only: a health check must not spend tokens or wait on the model.
  const c = loadLlmConfig();
  return { status: 'ok', provider: c.provider, model: c.model };
}

/** Version and the state of each dependency; only the database is required for a 200. */
export async function checkHealth(config: Config): Promise<HealthReport> {
  const [db, l2] = await Promise.all([database(config), cache()]);
  const deps: Record<string, DependencyState> = { database: db, cache: l2, llm: llm() };
  const status = db.status !== 'ok' ? 'down' : l2.status === 'down' ? 'degraded' : 'ok';
  return { status, version: config.SERVICE_VERSION, stage: config.STAGE, dependencies: deps };
}
