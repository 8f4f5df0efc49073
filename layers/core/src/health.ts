import { bearerToken, verifyToken } from './auth/jwt';
import { jwtSettings } from './auth/jwt-settings';
import type { Config } from './config';
import { isAppError } from './errors';
import { apiKeySource } from './llm/api-key';
import { loadLlmConfig } from './llm/config';
import { getCacheStack } from './runtime/cache';
import { getDb } from './runtime/db';

export interface DependencyState {
  status: 'ok' | 'down' | 'unconfigured';
  latency_ms?: number;
  error?: string;
  [k: string]: unknown;
}

/** What anyone may see: no dependency names, latencies or error strings. */
export interface PublicHealth {
  status: HealthReport['status'];
  version: string;
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

/** Always the documented fields: what cannot be known while the database is down is null. */
async function database(config: Config): Promise<DependencyState> {
  const state = await timed(async () => {
    const db = await getDb(config);
    await db.ping(1_000);
    const caps = await db.capabilities();
    return { kind: db.kind, vector: caps.vector, semantic_cache: caps.vector ? 'available' : 'unavailable' };
  });
  return {
    kind: config.DATABASE_URL ? 'pg' : 'pglite',
    vector: null,
    semantic_cache: 'unavailable',
    ...state,
  };
}

/** The L2 through its guard (bounded time-out, circuit breaker): a slow Redis cannot slow /health down. */
async function cache(): Promise<DependencyState> {
  const l2 = (await getCacheStack()).l2;
  if (!l2) {
    return {
      status: 'unconfigured',
      adapter: 'none',
      breaker: null,
      detail: 'no L2 configured: L1 and the sources answer',
    };
  }
  const state = await timed(async () => {
    await l2.ping();
    return {};
  });
  return { ...state, adapter: l2.adapter, breaker: l2.breaker.state };
}

/**
 * Configuration only: a health check must not spend tokens or wait on the model. For Claude, the key must be
 * there (read through the secret cache): a missing or placeholder key is reported, as analyze would fail closed.
 */
async function llm(): Promise<DependencyState> {
  const c = loadLlmConfig();
  const base = { provider: c.provider, model: c.model };
  if (c.provider === 'offline') return { status: 'ok', ...base };
  try {
    await apiKeySource(c)();
    return { status: 'ok', ...base };
  } catch (err) {
    const code = isAppError(err) ? err.code : 'llm_unavailable';
    return { status: code === 'llm_not_configured' ? 'unconfigured' : 'down', code, ...base };
  }
}

/** Version and the state of each dependency; only the database is required for a 200. */
export async function checkHealth(config: Config): Promise<HealthReport> {
  const [db, l2, model] = await Promise.all([database(config), cache(), llm()]);
  const deps: Record<string, DependencyState> = { database: db, cache: l2, llm: model };
  // Without a usable model, analyses fail closed: the service is degraded, not silently answering offline.
  const status =
    db.status !== 'ok' ? 'down' : l2.status === 'down' || model.status !== 'ok' ? 'degraded' : 'ok';
  return { status, version: config.SERVICE_VERSION, stage: config.STAGE, dependencies: deps };
}

/** The unauthenticated answer: the overall status and the version only. */
export function publicHealth(report: HealthReport): PublicHealth {
  return { status: report.status, version: report.version };
}

/**
 * Whether the caller may see the per-dependency details (error strings, adapters, latencies): a valid bearer JWT
 * with role `admin`. No Authorization header: false (the public answer). A header with an invalid or expired
 * token: 401, so an operator learns why the details are missing.
 */
export async function isHealthOperator(authorization: string | undefined, config: Config): Promise<boolean> {
  if (!authorization) return false;
  const caller = await verifyToken(bearerToken(authorization), await jwtSettings(config));
  return caller.role === 'admin';
}
