import type { Node } from 'constructs';
import * as z from 'zod';

/**
 * Stage settings for the CDK app, read from `cdk.json` context (`stage` picks an entry of `stages`).
 * Any single setting can be overridden on the command line, e.g. `cdk synth -c stage=prod -c cacheProvider=upstash`.
 */
export const CacheProviderSchema = z.enum(['elasticache', 'upstash', 'none']);
export type CacheProvider = z.infer<typeof CacheProviderSchema>;

const ORIGIN_RE = /^(\*|https:\/\/[a-z0-9.-]+(:\d+)?|http:\/\/(localhost|127\.0\.0\.1)(:\d+)?)$/i;

export const StageSettingsSchema = z.object({
  /** L2 cache: ElastiCache Serverless (Valkey) in the VPC, Upstash over HTTPS (secret), or none. */
  cacheProvider: CacheProviderSchema,
  /**
   * The model, set explicitly per stage: `anthropic` (Claude; a missing or placeholder key fails closed with
   * 503 llm_not_configured) or `offline` (the built-in model, e.g. for a cost-free demo stage).
   */
  llmProvider: z.enum(['anthropic', 'offline']),
  /**
   * `NODE_OPTIONS=--enable-source-maps` on every function: stack traces with file:line, for ~13 ms more CPU
   * at init (measured: worker bundle 211 → 224 ms CPU median). The .map files ship either way, so traces
   * from a stage without it can be mapped offline.
   */
  sourceMaps: z.boolean(),
  /** Question/decision embeddings: `offline` (deterministic, in-function) or `bedrock` (Titan V2; grants InvokeModel). */
  embeddingsProvider: z.enum(['offline', 'bedrock']),
  logRetentionDays: z.number().int().positive(),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
  /**
   * Interface VPC endpoints for SQS and Secrets Manager (2 endpoints × 2 AZs ≈ $29/month idle). false: the
   * functions reach them through the NAT gateway (HTTPS, same IAM) — fine for a dev stage's traffic.
   */
  interfaceEndpoints: z.boolean().default(true),
  /**
   * RDS Proxy in front of Aurora. true: the functions connect to the proxy (it pools for every instance; billed
   * for at least 8 ACUs on Serverless v2, $87.60/month). false: they connect to the cluster endpoint directly,
   * with the same IAM auth and TLS, a pool of 1 per instance and a server-side idle session time-out (docs/cost.md
   * says what that costs in connections). Without it an idle stage also lets Aurora auto-pause.
   */
  rdsProxy: z.boolean().default(true),
  /** NAT gateways for the Lambda subnets (Claude and Upstash are on the internet). */
  natGateways: z.number().int().min(1).max(3),
  /** 0 with auroraAutoPauseMinutes: the cluster pauses when idle (no compute billed; ~15 s to resume). */
  auroraMinAcu: z.number().min(0).max(256),
  /** Minutes without connections before a 0-ACU cluster pauses (5–1440; only with auroraMinAcu 0). */
  auroraAutoPauseMinutes: z.number().int().min(5).max(1440).optional(),
  auroraMaxAcu: z.number().min(1).max(256),
  auroraReaders: z.number().int().min(0).max(3),
  backupRetentionDays: z.number().int().min(1).max(35),
  /** true: tables, the cluster and the secrets survive `cdk destroy` and the cluster has deletion protection. */
  retainData: z.boolean(),
  /**
   * Requests per second for the whole stage; each route gets its share (`throttle` in functions/routes.ts,
   * lib/throttles.ts) as a per-method limit, so one client hammering login cannot starve the reads.
   */
  apiThrottleRateLimit: z.number().positive(),
  apiThrottleBurstLimit: z.number().int().positive(),
  /** Daily quota per API key; applies only with apiKeyRequired (a usage plan without keys meters nothing). */
  apiQuotaPerDay: z.number().int().positive(),
  /**
   * true: every method requires an API key (x-api-key) of the usage plan (throttle + daily quota per key; a
   * default key is created). false: no usage plan at all.
   */
  apiKeyRequired: z.boolean(),
  /**
   * A WAFv2 web ACL of our own (REGIONAL) on the API stage: AWS common + known-bad-inputs rule sets, per-IP rate
   * limits, the body-size limit. Ignored when wafWebAclArn names an external ACL.
   */
  waf: z.boolean(),
  /** Requests per client IP per 5 minutes before the WAF blocks that IP (all routes). */
  wafRateLimitPer5Min: z.number().int().min(10).max(2_000_000_000),
  /** Stage settings that must come from the command line (`-c key=value`) because they differ per deployment. */
  requiredContext: z.array(z.enum(['corsOrigins', 'alarmEmail'])).default([]),
  /**
   * Agent runs at once across all worker instances: each instance runs one record at a time, so this (the
   * event source mapping's maximum concurrency) is the total.
   */
  workerMaxConcurrency: z.number().int().min(2).max(1000),
  /**
   * Warm instances a rate-limiting function is expected to run at once: with Redis unreachable each instance
   * admits `ceil(limit / this)` (RATE_LIMIT_INSTANCES), so the limits still hold; too low over-admits, too high
   * is stricter than the limit while Redis is down.
   */
  rateLimitInstances: z.number().int().min(1).max(1000),
  /**
   * Records per worker invocation, run one after another. Each may take nearly the worker's whole time-out (its
   * agent deadline), so 1 unless analyses are known to be short.
   */
  workerBatchSize: z.number().int().min(1).max(10),
  /** Browser origins allowed by CORS: `*`, or `https://host[:port]` (http only for localhost). */
  corsOrigins: z
    .array(z.string().regex(ORIGIN_RE, 'an origin is * or scheme://host[:port] without a path'))
    .min(1),
  cacheMaxDataGb: z.number().int().min(1).max(5000),
  cacheMaxEcpuPerSecond: z.number().int().min(1000).max(15_000_000),
  /** Where alarm notifications go; none when unset. */
  alarmEmail: z.string().email().optional(),
  /** An existing WAFv2 web ACL (REGIONAL) to associate with the API stage. */
  wafWebAclArn: z.string().startsWith('arn:').optional(),
});
export type StageSettings = z.infer<typeof StageSettingsSchema>;

export interface StageConfig extends StageSettings {
  stage: string;
}

const OVERRIDABLE = Object.keys(StageSettingsSchema.shape) as (keyof StageSettings)[];

/** What to pass on the command line for each setting a stage may require from context. */
const REQUIRED_CONTEXT_HINT: Record<'corsOrigins' | 'alarmEmail', string> = {
  corsOrigins:
    '-c corsOrigins=\'["https://app.example.com"]\' (the browser origins CORS allows; comma-separated also works)',
  alarmEmail: '-c alarmEmail=ops@example.com (where alarm notifications go)',
};

/** Context values from `-c key=value` arrive as strings: turn numbers, booleans and JSON arrays back into values. */
function coerce(key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (key === 'corsOrigins') {
    if (value.startsWith('[')) return coerce('', value);
    return value
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o.length > 0);
  }
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value.startsWith('[')) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

export function stageConfigFromContext(node: Pick<Node, 'tryGetContext'>): StageConfig {
  const stage = String(node.tryGetContext('stage') ?? 'dev');
  const stages = node.tryGetContext('stages') as Record<string, unknown> | undefined;
  const base = stages?.[stage];
  if (!base || typeof base !== 'object') {
    throw new Error(
      `Unknown stage "${stage}": cdk.json context "stages" has ${Object.keys(stages ?? {}).join(', ') || 'none'}`,
    );
  }
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const key of OVERRIDABLE) {
    const v = node.tryGetContext(key);
    if (v !== undefined) merged[key] = coerce(key, v);
  }
  // Settings that differ per deployment (the prod CORS origin, who gets paged) are never defaulted: they must be
  // given as context (-c key=value), not taken from the stage block in cdk.json.
  const required = (base as { requiredContext?: unknown }).requiredContext;
  if (Array.isArray(required)) {
    const missing = required.filter(
      (k): k is keyof typeof REQUIRED_CONTEXT_HINT =>
        k in REQUIRED_CONTEXT_HINT && node.tryGetContext(k as string) === undefined,
    );
    if (missing.length > 0) {
      throw new Error(
        `Stage "${stage}" needs ${missing.map((k) => REQUIRED_CONTEXT_HINT[k]).join(' and ')}, e.g. cdk synth -c stage=${stage} ${missing.map((k) => (k === 'corsOrigins' ? '-c corsOrigins=https://app.example.com' : '-c alarmEmail=ops@example.com')).join(' ')}`,
      );
    }
  }
  const parsed = StageSettingsSchema.safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid settings for stage "${stage}": ${issues}`);
  }
  if (parsed.data.requiredContext.includes('corsOrigins') && parsed.data.corsOrigins.includes('*')) {
    throw new Error(
      `Invalid settings for stage "${stage}": corsOrigins must name the allowed origins, not "*" (${REQUIRED_CONTEXT_HINT.corsOrigins})`,
    );
  }
  if (parsed.data.auroraMinAcu > parsed.data.auroraMaxAcu) {
    throw new Error(`Invalid settings for stage "${stage}": auroraMinAcu exceeds auroraMaxAcu`);
  }
  if (parsed.data.auroraAutoPauseMinutes !== undefined && parsed.data.auroraMinAcu !== 0) {
    throw new Error(`Invalid settings for stage "${stage}": auroraAutoPauseMinutes needs auroraMinAcu 0`);
  }
  return { stage, ...parsed.data };
}
