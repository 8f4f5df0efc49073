/** The SQS-triggered worker (not an HTTP route): the CDK stack gives it the queue as its event source. */
export const WORKER_ENTRY = 'functions/analysis-worker/handler.ts';

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
}

export const ROUTES: readonly RouteSpec[] = [
  {
    id: 'health',
    method: 'GET',
    path: '/health',
    entry: 'functions/health/handler.ts',
    memoryMb: 256,
    timeoutSeconds: 5,
    auth: false,
  },
  {
    id: 'auth-login',
    method: 'POST',
    path: '/api/v1/auth/login',
    entry: 'functions/auth-login/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 10,
    auth: false,
  },
  {
    id: 'decision-analyze',
    method: 'POST',
    path: '/api/v1/decision/analyze',
    entry: 'functions/decision-analyze/handler.ts',
    memoryMb: 1024,
    timeoutSeconds: 29,
    auth: true,
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
  },
  {
    id: 'decisions-list',
    method: 'GET',
    path: '/api/v1/decisions',
    entry: 'functions/decisions-list/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 10,
    auth: true,
  },
  {
    id: 'decisions-search',
    method: 'GET',
    path: '/api/v1/decisions/search',
    entry: 'functions/decisions-search/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 10,
    auth: true,
  },
  {
    id: 'decisions-get',
    method: 'GET',
    path: '/api/v1/decisions/{id}',
    entry: 'functions/decisions-get/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 10,
    auth: true,
  },
  {
    id: 'analysis-start',
    method: 'POST',
    path: '/api/v1/analysis/start',
    entry: 'functions/analysis-start/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 10,
    auth: true,
  },
  {
    id: 'analysis-status',
    method: 'GET',
    path: '/api/v1/analysis/{task_id}/status',
    entry: 'functions/analysis-status/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 10,
    auth: true,
  },
];
