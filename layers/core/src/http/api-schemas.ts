import * as z from 'zod';

/**
 * The API's response shapes as zod schemas: the source of the OpenAPI description's response schemas
 * (bin/local/openapi.ts) and of the exported response types below. The handlers build these objects from
 * the core's TypeScript interfaces; test/e2e/openapi.test.ts validates real responses against the
 * generated description, so a drift between the two fails a test.
 */
const Timestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  .meta({
    description: 'ISO 8601, UTC, milliseconds: 2026-11-30T01:02:03.456Z',
    example: '2026-11-30T01:02:03.456Z',
  });
const Uuid = z.string().uuid();

export const ErrorBody = z
  .object({
    error: z
      .object({
        code: z.string().meta({ description: 'Stable machine code (see x-error-codes)' }),
        message: z.string(),
        details: z.unknown().optional(),
      })
      .strict(),
  })
  .strict()
  .meta({ id: 'Error' });

export const Dependency = z.object({
  status: z.enum(['ok', 'down', 'unconfigured']),
  latency_ms: z.number().optional(),
  error: z.string().optional(),
});

/** Public: `{status, version}`; with an admin's bearer JWT, also `stage` and every dependency, always in full. */
export const HealthResponse = z
  .object({
    status: z.enum(['ok', 'degraded', 'down']),
    version: z.string(),
    stage: z.string().optional().meta({ description: 'admin JWT only' }),
    dependencies: z
      .object({
        database: Dependency.extend({
          kind: z.enum(['pg', 'pglite']),
          vector: z.boolean().nullable(),
          semantic_cache: z.enum(['available', 'unavailable']),
        }),
        cache: Dependency.extend({
          adapter: z.enum(['redis', 'upstash', 'none']),
          breaker: z.enum(['closed', 'open', 'half-open']).nullable(),
          detail: z.string().optional(),
        }),
        llm: Dependency.extend({ provider: z.string(), model: z.string(), code: z.string().optional() }),
      })
      .catchall(z.unknown())
      .optional()
      .meta({ description: 'admin JWT only' }),
  })
  .strict()
  .meta({ id: 'Health' });

export const UserView = z.object({
  user_id: Uuid,
  org_id: Uuid,
  email: z.string(),
  role: z.enum(['admin', 'member', 'viewer']),
});

export const LoginResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    expires_at: Timestamp,
    user: UserView.partial({ org_id: true }).catchall(z.unknown()),
  })
  .meta({ id: 'LoginResponse' });

const Figures = z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()]));

export const SkillSummary = z
  .object({
    name: z.string(),
    version: z.string(),
    ok: z.boolean(),
    duration_ms: z.number(),
    figures: Figures,
    error: z.string().optional(),
  })
  .meta({ id: 'SkillSummary' });

export const Usage = z
  .object({
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    cache_read_input_tokens: z.number().int(),
    cache_creation_input_tokens: z.number().int(),
    cost_usd: z.number(),
  })
  .meta({ id: 'Usage' });

export const AnsweredFrom = z.enum(['l1', 'l2', 'semantic', 'agent']);

export const AnalyzeResponse = z
  .object({
    decision_id: Uuid,
    query: z.string(),
    thread_id: Uuid.nullable(),
    recommendation: z.string(),
    options: z.array(
      z.object({
        name: z.string(),
        summary: z.string(),
        score: z.number().min(0).max(1),
        pros: z.array(z.string()),
        cons: z.array(z.string()),
      }),
    ),
    risks: z.array(
      z.object({
        name: z.string(),
        likelihood: z.number(),
        impact: z.number(),
        score: z.number(),
        mitigation: z.string(),
      }),
    ),
    confidence: z.number().min(0).max(1),
    rationale: z.string(),
    skills: z.array(SkillSummary),
    notices: z.array(z.string()).meta({ description: 'e.g. that the org has no company data on record' }),
    model: z.string(),
    usage: Usage,
    latency_ms: z.number(),
    answered_from: AnsweredFrom,
    created_at: Timestamp,
  })
  .meta({ id: 'Analysis' });

export const DecisionSummary = z.object({
  decision_id: Uuid,
  query: z.string(),
  recommendation: z.string(),
  confidence: z.number(),
  model: z.string(),
  answered_from: AnsweredFrom,
  latency_ms: z.number(),
  thread_id: Uuid.nullable(),
  created_at: Timestamp,
});

export const DecisionPage = z
  .object({ items: z.array(DecisionSummary), next_cursor: z.string().nullable() })
  .meta({ id: 'DecisionPage' });

export const SearchResponse = z
  .object({
    mode: z.enum(['hybrid', 'keyword']),
    items: z.array(
      z
        .object({
          decision_id: Uuid,
          query: z.string(),
          recommendation: z.string(),
          confidence: z.number(),
          created_at: Timestamp,
          score: z.number(),
          vector_score: z.number().nullable(),
          keyword_score: z.number().nullable(),
        })
        .catchall(z.unknown()),
    ),
    cache: z.enum(['l1', 'l2', 'source']),
  })
  .catchall(z.unknown())
  .meta({ id: 'SearchResults' });

const JobStatus = z.enum(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED']);

export const StartResponse = z
  .union([
    z.object({ task_id: Uuid, status: JobStatus }),
    z.object({
      results: z.array(
        z
          .object({
            index: z.number().int(),
            task_id: Uuid.optional(),
            status: z.string(),
            replayed: z.boolean(),
          })
          .catchall(z.unknown()),
      ),
    }),
  ])
  .meta({ id: 'AnalysisStarted' });

export const JobView = z
  .object({
    task_id: Uuid,
    status: JobStatus,
    progress: z.number(),
    query: z.string(),
    depth: z.enum(['quick', 'standard', 'deep']),
    /** interactive (the model answers at once) or batch (Message Batches: half the token price, slower) */
    mode: z.enum(['interactive', 'batch']),
    attempts: z.number().int(),
    created_at: Timestamp,
    started_at: Timestamp.nullable(),
    finished_at: Timestamp.nullable(),
    error: z.object({ code: z.string(), message: z.string() }).catchall(z.unknown()).nullable(),
    result: z.unknown().optional(),
  })
  .meta({ id: 'AnalysisStatus' });

export const MetricsImportResult = z
  .object({
    org_id: Uuid,
    received: z.number().int(),
    inserted: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    metrics: z.array(z.string()),
    data_version: z.number().int(),
  })
  .meta({ id: 'MetricsImportResult' });

export const StoredMetrics = z
  .object({
    org_id: Uuid,
    data_version: z.number().int(),
    updated_at: Timestamp.nullable(),
    metrics: z.array(
      z.object({
        metric: z.string(),
        unit: z.string(),
        points: z.array(z.object({ period: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), value: z.number() })),
      }),
    ),
  })
  .meta({ id: 'StoredMetrics' });

/** Payloads of the `sse` stream format's events (`event: <name>` + `data: <json>`). */
export const StreamEvents = {
  started: z
    .object({
      decision_id: Uuid,
      replayed: z.boolean(),
      retry_ms: z.number().int(),
      heartbeat_ms: z.number().int(),
    })
    .meta({ id: 'StreamStarted' }),
  skill_started: z
    .object({ type: z.literal('skill_started'), id: z.string(), name: z.string() })
    .meta({ id: 'StreamSkillStarted' }),
  skill_finished: z
    .object({
      type: z.literal('skill_finished'),
      id: z.string(),
      name: z.string(),
      ok: z.boolean(),
      duration_ms: z.number(),
      figures: Figures,
      error: z.string().optional(),
    })
    .meta({ id: 'StreamSkillFinished' }),
  text: z.object({ type: z.literal('text'), delta: z.string() }).meta({ id: 'StreamText' }),
  analysis: AnalyzeResponse,
  done: z.object({ decision_id: Uuid, latency_ms: z.number() }).meta({ id: 'StreamDone' }),
  failed: z.object({ status: z.number().int(), error: ErrorBody.shape.error }).meta({ id: 'StreamFailed' }),
} as const;

export type HealthResponse = z.infer<typeof HealthResponse>;
export type LoginResponse = z.infer<typeof LoginResponse>;
export type AnalyzeResponseBody = z.infer<typeof AnalyzeResponse>;
export type DecisionPage = z.infer<typeof DecisionPage>;
export type SearchResponse = z.infer<typeof SearchResponse>;
export type StartResponse = z.infer<typeof StartResponse>;
export type JobView = z.infer<typeof JobView>;
export type MetricsImportResult = z.infer<typeof MetricsImportResult>;
export type StoredMetrics = z.infer<typeof StoredMetrics>;
export type ErrorBody = z.infer<typeof ErrorBody>;
