import { ROUTES, type RouteSpec } from '../functions/routes';

/** A Lambda that is not behind an API route. */
export interface FunctionSpec {
  id: string;
  /** Handler module relative to the repository root; exports `handler`. */
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
}

/** SQS consumer for long analyses (`POST /api/v1/analysis/start`). */
export const ANALYSIS_WORKER: FunctionSpec = {
  id: 'analysis-worker',
  entry: 'functions/analysis-worker/handler.ts',
  memoryMb: 1024,
  timeoutSeconds: 300,
};

/** Custom-resource handler that applies the SQL migrations on every deploy. */
export const DB_MIGRATE: FunctionSpec = {
  id: 'db-migrate',
  entry: 'functions/db-migrate/handler.ts',
  memoryMb: 512,
  timeoutSeconds: 600,
};

/** The queue's visibility time-out: at least 6× the worker's time-out (AWS guidance for SQS event sources). */
export const ANALYSIS_QUEUE_VISIBILITY_SECONDS = ANALYSIS_WORKER.timeoutSeconds * 6;
/** Receives before a message moves to the DLQ; the worker marks the job FAILED on the last one. */
export const ANALYSIS_MAX_RECEIVE_COUNT = 3;

/** What a function touches; decides its VPC placement, env vars and grants. */
export interface FunctionNeeds {
  /** Postgres through RDS Proxy */
  db: boolean;
  /** L2 cache (rate limits, answer/skill/retrieval caches) */
  cache: boolean;
  /** Claude (Anthropic API key secret, internet egress) */
  llm: boolean;
  /** JWT secret: verifies (auth: true routes) or signs (login) tokens */
  jwt: boolean;
  /** Jobs table access */
  jobs?: 'read' | 'readwrite';
  /** Sends to the analysis queue */
  enqueue?: boolean;
  /** Powertools idempotency table (nobody uses it yet: set it where `makeIdempotent` is adopted) */
  idempotency?: boolean;
}

/**
 * Per-route needs. A route missing here gets `DEFAULT_ROUTE_NEEDS` and a synth warning, so a new route works
 * at once and the gap is visible.
 */
export const ROUTE_NEEDS: Readonly<Record<string, Omit<FunctionNeeds, 'jwt'> & { jwt?: boolean }>> = {
  health: { db: true, cache: true, llm: false },
  'auth-login': { db: true, cache: true, llm: false, jwt: true },
  'decision-analyze': { db: true, cache: true, llm: true },
  'decision-analyze-stream': { db: true, cache: true, llm: true },
  'decisions-list': { db: true, cache: true, llm: false },
  'decisions-get': { db: true, cache: true, llm: false },
  'decisions-search': { db: true, cache: true, llm: false },
  // Idempotency-Key records live in the jobs table; nothing on the start path touches Postgres.
  'analysis-start': { db: false, cache: true, llm: false, jobs: 'readwrite', enqueue: true },
  // Results over the inline limit are read back from Postgres (job_results).
  'analysis-status': { db: true, cache: true, llm: false, jobs: 'read' },
};

export const DEFAULT_ROUTE_NEEDS: Omit<FunctionNeeds, 'jwt'> = { db: true, cache: true, llm: false };

export const WORKER_NEEDS: FunctionNeeds = {
  db: true,
  cache: true,
  llm: true,
  jwt: false,
  jobs: 'readwrite',
};

/** The needs of one route: its profile (or the default), with the JWT secret whenever the route requires auth. */
export function routeNeeds(route: RouteSpec): { needs: FunctionNeeds; known: boolean } {
  const profile = ROUTE_NEEDS[route.id];
  const base = profile ?? DEFAULT_ROUTE_NEEDS;
  return { needs: { ...base, jwt: route.auth || (profile?.jwt ?? false) }, known: profile !== undefined };
}

/** Every function the app deploys, with its entry: API routes, the worker, the migration handler. */
export function allFunctionEntries(routes: readonly RouteSpec[] = ROUTES): FunctionSpec[] {
  return [
    ...routes.map((r) => ({
      id: r.id,
      entry: r.entry,
      memoryMb: r.memoryMb,
      timeoutSeconds: r.timeoutSeconds,
    })),
    ANALYSIS_WORKER,
    DB_MIGRATE,
  ];
}
