import type { FunctionNeeds } from '#core/runtime/needs';

/**
 * The API's routes: one Lambda per route. The CDK stack (lib/) and the local runtime (bin/local.ts) both read
 * this table, so a route exists in both or in neither.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteSpec {
  /** Stable id, also the function folder under functions/ */
  id: string;
  method: HttpMethod;
  /** API Gateway resource path, with {param} placeholders */
  path: string;
  /** Handler module, relative to the repository root; exports `handler` */
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Response-streaming Lambda (API Gateway REST integration in STREAM mode) */
  streaming?: boolean;
  /** Requires a valid JWT */
  auth: boolean;
  /**
   * This route's share (0–1] of the stage's request rate (`apiThrottleRateLimit`/`apiThrottleBurstLimit` in
   * cdk.json): the API Gateway stage gets a per-method throttle of that share (lib/throttles.ts), so dev and prod
   * scale together. Lower for what is costly or abusable (login, the model), higher for cheap reads.
   */
  throttle: number;
  /**
   * What the function touches: the stack derives its environment and grants from it, and the function's
   * composition root checks that environment at cold start (layers/core/src/runtime/needs.ts).
   */
  needs: FunctionNeeds;
}

/** A Lambda that is not behind an API route. */
export interface FunctionSpec {
  id: string;
  /** Handler module relative to the repository root; exports `handler`. */
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
  needs: FunctionNeeds;
}

const NONE: FunctionNeeds = { db: false, cache: false, llm: false, embeddings: false, jwt: false };

export const ROUTES: readonly RouteSpec[] = [
  {
    id: 'health',
    method: 'GET',
    path: '/health',
    entry: 'functions/health/handler.ts',
    memoryMb: 256,
    timeoutSeconds: 5,
    auth: false,
    throttle: 0.05, // public: load balancers and monitors, not clients
    // jwt: an admin's token unlocks the per-dependency details
    needs: { ...NONE, db: true, dbAccess: 'read', cache: true, llmKey: true, jwt: true },
  },
  {
    id: 'auth-login',
    method: 'POST',
    path: '/api/v1/auth/login',
    entry: 'functions/auth-login/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 10,
    auth: false,
    throttle: 0.05, // password guessing: the lowest
    needs: { ...NONE, db: true, dbAccess: 'read', cache: true, jwt: true },
  },
  {
    id: 'decision-analyze',
    method: 'POST',
    path: '/api/v1/decision/analyze',
    entry: 'functions/decision-analyze/handler.ts',
    memoryMb: 1024,
    timeoutSeconds: 29,
    auth: true,
    throttle: 0.1, // each call may spend model tokens
    needs: { db: true, dbAccess: 'write', cache: true, llm: true, embeddings: true, jwt: true },
  },
  {
    id: 'decision-analyze-stream',
    method: 'POST',
    path: '/api/v1/decision/analyze/stream',
    entry: 'functions/decision-analyze-stream/handler.ts',
    memoryMb: 1024,
    timeoutSeconds: 60,
    streaming: true,
    auth: true,
    throttle: 0.1, // each call may spend model tokens
    needs: { db: true, dbAccess: 'write', cache: true, llm: true, embeddings: true, jwt: true },
  },
  {
    id: 'decisions-list',
    method: 'GET',
    path: '/api/v1/decisions',
    entry: 'functions/decisions-list/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 10,
    auth: true,
    throttle: 0.5, // cheap keyset reads
    needs: { ...NONE, db: true, dbAccess: 'read', jwt: true },
  },
  {
    id: 'decisions-search',
    method: 'GET',
    path: '/api/v1/decisions/search',
    entry: 'functions/decisions-search/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 10,
    auth: true,
    throttle: 0.25, // embeds the query and runs a vector search
    needs: { ...NONE, db: true, dbAccess: 'read', cache: true, embeddings: true, jwt: true },
  },
  {
    id: 'decisions-get',
    method: 'GET',
    path: '/api/v1/decisions/{id}',
    entry: 'functions/decisions-get/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 10,
    auth: true,
    throttle: 0.5, // cheap keyed read
    needs: { ...NONE, db: true, dbAccess: 'read', jwt: true },
  },
  {
    id: 'analysis-start',
    method: 'POST',
    path: '/api/v1/analysis/start',
    entry: 'functions/analysis-start/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 10,
    auth: true,
    throttle: 0.1, // each job is a model run on the worker
    needs: { ...NONE, jwt: true, jobs: 'readwrite', enqueue: true },
  },
  {
    id: 'analysis-status',
    method: 'GET',
    path: '/api/v1/analysis/{task_id}/status',
    entry: 'functions/analysis-status/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 10,
    auth: true,
    throttle: 0.5, // clients poll it
    needs: { ...NONE, db: true, dbAccess: 'read', jwt: true, jobs: 'read' },
  },
  {
    id: 'org-metrics-import',
    method: 'POST',
    path: '/api/v1/org/metrics',
    entry: 'functions/org-metrics-import/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 15,
    auth: true,
    throttle: 0.05, // admins importing data: rare
    needs: { ...NONE, db: true, dbAccess: 'write', jwt: true },
  },
  {
    id: 'org-metrics-list',
    method: 'GET',
    path: '/api/v1/org/metrics',
    entry: 'functions/org-metrics-list/handler.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    auth: true,
    throttle: 0.25, // cheap reads
    needs: { ...NONE, db: true, dbAccess: 'read', jwt: true },
  },
];

/** SQS consumer for long analyses (`POST /api/v1/analysis/start`); the stack gives it the queue as event source. */
export const ANALYSIS_WORKER: FunctionSpec = {
  id: 'analysis-worker',
  entry: 'functions/analysis-worker/handler.ts',
  memoryMb: 1024,
  timeoutSeconds: 300,
  // enqueue: batch-mode groups send themselves a delayed message that re-checks their Message Batch
  needs: {
    db: true,
    dbAccess: 'write',
    cache: true,
    llm: true,
    embeddings: true,
    jwt: false,
    jobs: 'readwrite',
    enqueue: true,
  },
};

/**
 * Custom-resource handler that applies the SQL migrations on every deploy: the one function that connects as the
 * master user (`dbAccess: 'owner'` — lib/constructs/db-migration.ts binds it; DATABASE_URL plus the master secret).
 */
export const DB_MIGRATE: FunctionSpec = {
  id: 'db-migrate',
  entry: 'functions/db-migrate/handler.ts',
  memoryMb: 512,
  timeoutSeconds: 600,
  needs: { ...NONE, db: true, dbAccess: 'owner' },
};

/** The needs profile of a deployed function, by id (routes, the worker, the migration handler). */
export function needsOf(id: string): FunctionNeeds {
  const spec = [...ROUTES, ANALYSIS_WORKER, DB_MIGRATE].find((f) => f.id === id);
  if (!spec) throw new Error(`Unknown function ${id}: add it to functions/routes.ts`);
  return spec.needs;
}
