/** Names shared by the stacks, the dashboard and the docs. The runtime emits the EMF metrics named here. */
export const SERVICE_NAME = 'ceo-agent';
export const METRICS_NAMESPACE = 'CeoAgent';

/** Postgres database behind RDS Proxy. */
export const DB_NAME = 'ceo_agent';
/**
 * Database users. The master user (password managed and rotated by RDS) is used only by the migration handler;
 * the functions connect through RDS Proxy with end-to-end IAM auth as the application role (DML) or the
 * read-only role, both created by migration 0005_roles.sql (keep the names in step with it).
 */
export const DB_USERS = {
  owner: 'ceo_admin',
  write: 'ceo_app',
  read: 'ceo_readonly',
} as const;
export const DB_PORT = 5432;
/**
 * Largest request body the API accepts (bytes): the runtime's MAX_BODY_BYTES default (layers/core/src/config.ts);
 * the WAF blocks larger bodies at the edge. An infra test holds the two equal.
 */
export const API_MAX_BODY_BYTES = 65_536;
export const REDIS_PORT = 6379;
/** RDS Proxy closes a client connection idle this long; the functions' pools close theirs a minute sooner. */
export const PROXY_IDLE_CLIENT_TIMEOUT_MINUTES = 15;
/**
 * Without the proxy (stage setting `rdsProxy: false`) Aurora itself closes a session idle this long
 * (`idle_session_timeout`, sent as a startup parameter), so instances Lambda has frozen do not hold connections
 * that keep the cluster from auto-pausing; the functions' pools stop reusing a connection a minute sooner.
 */
export const DIRECT_IDLE_SESSION_TIMEOUT_MINUTES = 5;
/**
 * `pg` pool size per instance. Classic Lambda runs one request per instance; the pool of 2 lets a request's two
 * independent queries (e.g. hybrid search's vector and keyword halves) run at once. Behind RDS Proxy that is
 * free (the proxy multiplexes); connected directly every pooled connection is an Aurora backend, so 1.
 */
export const DB_POOL_MAX = { proxy: 2, direct: 1 } as const;

/**
 * EMF metrics (namespace CeoAgent) the runtime emits through Powertools Metrics. Powertools adds the default
 * dimension `service` (= POWERTOOLS_SERVICE_NAME = ceo-agent) to every metric, so each metric below is read
 * with `service` plus the dimensions listed. Times are milliseconds.
 */
export const EMF = {
  requestLatency: 'RequestLatency', // dimension route (= RouteSpec.id); a stream's whole duration
  /** streaming route: request start → first byte of the body; written with RequestLatency when the stream ends */
  timeToFirstByte: 'TimeToFirstByte', // dimension route
  agentTime: 'AgentTime',
  llmLatency: 'LlmLatency',
  llmTokens: 'LlmTokens', // dimension type (input | output | cache_read | cache_write)
  llmCostUsd: 'LlmCostUsd',
  skillDuration: 'SkillDuration', // dimension skill
  cacheHit: 'CacheHit', // dimensions level, kind
  cacheMiss: 'CacheMiss', // dimensions level, kind
  /** every analyze request (API and stream), whichever level answered: the agent mean and P95 KPIs */
  analyzeTime: 'AnalyzeTime',
  /** one model call (the LLM P95 KPI); LlmLatency is a whole run's model time */
  llmCallLatency: 'LlmCallLatency',
  /** a statement on its connection, without the wait for one */
  dbQueryTime: 'DbQueryTime',
  /** waiting for a pooled connection (new connection or pool queue) */
  dbConnectTime: 'DbConnectTime',
  rateLimited: 'RateLimited', // dimension limit (analyze | login): requests answered 429 by the app
  cacheBreakerOpen: 'CacheBreakerOpen', // dimension adapter (redis | upstash)
  vectorQueryTime: 'VectorQueryTime',
  queueLag: 'QueueLag',
  coldStart: 'ColdStart', // Powertools captureColdStartMetric: dimensions service, function_name
} as const;

/** Cache levels the runtime reports in the `level` dimension of CacheHit/CacheMiss. */
export const CACHE_LEVELS = ['l1', 'l2', 'semantic'] as const;

/** KPI thresholds (milliseconds unless stated); alarms fire above them. */
export const KPI = {
  apiP95Ms: 500,
  apiP99Ms: 1000,
  agentMeanMs: 2000,
  agentP95Ms: 5000,
  llmP95Ms: 3000,
  dbP95Ms: 100,
  vectorP95Ms: 200,
  /** share of API requests answered 5xx (API Gateway 5XXError average) */
  api5xxRate: 0.01,
  /** a pool wait this long means the pool (DB_POOL_MAX) or the proxy is the bottleneck */
  dbConnectP95Ms: 250,
  /** app-level 429s per 5 minutes per limit before it is worth a look (API Gateway's own 429s are in 4XXError) */
  rateLimitedPer5Min: 20,
  /** Aurora Serverless v2 capacity at (or within 95% of) the stage's maximum ACU */
  auroraAcuUtilizationPct: 95,
  /** without RDS Proxy: Aurora connections above this share of max_connections */
  auroraConnectionsPct: 80,
} as const;
