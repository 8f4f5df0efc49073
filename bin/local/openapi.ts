import * as z from 'zod';
import { SSE_EVENT_NAMES, StreamQuery } from '#core/analysis/stream-protocol';
import * as R from '#core/http/api-schemas';
import { AnalyzeBody, DecisionIdParams, ListDecisionsQuery, LoginBody } from '#core/http/schemas';
import { SearchDecisionsQuery } from '#core/http/search-schema';
import { startBodySchema } from '#core/jobs/validation';
import { MetricRowSchema, MetricsListQuery } from '#core/orgs/metrics-import';
import { ROUTES, type RouteSpec } from '../../functions/routes';

/**
 * The API's OpenAPI 3.1 description, generated from the route table (functions/routes.ts), the request
 * schemas the handlers validate with, and the response schemas (layers/core/src/http/api-schemas.ts), with
 * zod 4's own JSON Schema output (`z.toJSONSchema`, draft 2020-12 = OpenAPI 3.1's dialect). Every route of
 * the table must have an entry in ROUTE_DOCS, or generation throws (and test/e2e/openapi.test.ts fails).
 */

/** Every error code the API answers with: status and meaning. */
export const ERROR_CODES: Record<string, { status: number; description: string }> = {
  validation_error: {
    status: 400,
    description: 'Body, query or path failed validation; `details` lists every issue',
  },
  malformed_json: { status: 400, description: 'The body is not valid JSON' },
  malformed_path: {
    status: 400,
    description: 'The path holds a malformed %-escape (answered before any function runs)',
  },
  unauthorized: { status: 401, description: 'No Authorization header' },
  invalid_token: {
    status: 401,
    description: 'The bearer token is malformed, forged or for another audience',
  },
  token_expired: { status: 401, description: 'The bearer token has expired: log in again' },
  invalid_credentials: { status: 401, description: 'Unknown email or wrong password (indistinguishable)' },
  auth_unavailable: { status: 401, description: 'Token verification is not configured on this function' },
  forbidden: {
    status: 403,
    description: 'The caller’s role may not do this (e.g. importing metrics needs admin)',
  },
  not_found: {
    status: 404,
    description: 'No such resource in the caller’s org (another org’s id looks the same)',
  },
  route_not_found: { status: 404, description: 'No route for this path' },
  method_not_allowed: { status: 405, description: 'The path exists for other methods (see `Allow`)' },
  conflict: {
    status: 409,
    description: 'Idempotency-Key reused with another body, or its first request is still running',
  },
  payload_too_large: { status: 413, description: 'Body over MAX_BODY_BYTES (64 KB by default)' },
  unsupported_media_type: {
    status: 415,
    description: 'Content-Type must be application/json (or text/csv where accepted)',
  },
  rate_limited: {
    status: 429,
    description:
      'Too many requests; see `Retry-After`; `details.limit` names the limit hit (`analyze_user`, `login_email`, `login_ip`, `login_global`, `login_email_failures`), `details.scope` is `shared` or `local`',
  },
  client_closed_request: {
    status: 499,
    description: 'The client went away before the answer (logged only; nobody receives it)',
  },
  internal_error: {
    status: 500,
    description: 'Unexpected failure; `details.correlationId` traces it in the logs',
  },
  llm_request_failed: { status: 502, description: 'The model rejected the request' },
  llm_invalid_output: { status: 502, description: 'The model’s answer could not be used' },
  bad_gateway: {
    status: 502,
    description: 'The function crashed without an answer (local runtime / gateway)',
  },
  upstream_unavailable: {
    status: 503,
    description: 'A dependency (database, model, queue, secrets) is unavailable; see `Retry-After`',
  },
  auth_not_configured: { status: 503, description: 'The JWT secret is missing or refused for this stage' },
  llm_not_configured: { status: 503, description: 'The Claude API key is missing for this stage' },
  provider_not_bundled: {
    status: 503,
    description: 'The configured provider is not part of this deployment',
  },
  gateway_timeout: { status: 504, description: 'The function did not answer within its time-out' },
};

interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Default application/json */
  contentType?: string;
  headers?: Record<string, string>;
}

interface RouteDoc {
  summary: string;
  description?: string;
  tag: string;
  /** Anonymous callers allowed, a bearer JWT changes the answer (e.g. /health details for admins) */
  optionalAuth?: boolean;
  body?: z.ZodType;
  /** Also accepts text/csv (with this description) */
  csv?: string;
  query?: z.ZodType;
  params?: z.ZodType;
  headers?: { name: string; description: string; schema: Record<string, unknown> }[];
  responses: Record<number, ResponseDoc>;
  /** Error codes beyond the ones every route can answer */
  errors: string[];
}

const ALWAYS = [
  'internal_error',
  'payload_too_large',
  'unsupported_media_type',
  'malformed_json',
  'route_not_found',
  'method_not_allowed',
  'bad_gateway',
  'gateway_timeout',
];
const AUTH = ['unauthorized', 'invalid_token', 'token_expired', 'auth_unavailable', 'auth_not_configured'];
const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  description: 'Same key + same body → the same result (replayed); same key + another body → 409',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};

const StreamDescription = `Server-sent events (\`text/event-stream\`). Every event has an \`id:\` (\`<decision_id>:<n>\`);
\`started\` comes at once with the decision id to come and a \`retry:\`; heartbeat comments (\`: heartbeat\`) while the
agent is silent. Events, in order: ${SSE_EVENT_NAMES.map((e) => `\`${e}\``).join(', ')} — the stream ends after
\`done\` or \`failed\` (named \`failed\`, not \`error\`, which EventSource reserves for connection errors). A client
closes on \`done\`/\`failed\`; a reconnect with \`Last-Event-ID\` after the decision was stored gets \`204\` (EventSource
stops). With \`?format=ai-sdk\` or \`X-Stream-Format: ai-sdk\` the body is the Vercel AI SDK UI message stream (v1):
\`data: {"type":…}\` chunks (start, text-start/-delta/-end, tool-input-available/tool-output-available per skill,
data-analysis, finish) then \`data: [DONE]\`. Event payloads: see \`x-sse-events\` and the Stream* schemas.`;

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  health: {
    summary: 'Status and version; with an admin JWT, the state of each dependency',
    tag: 'health',
    optionalAuth: true,
    responses: {
      200: { description: 'ok or degraded (a down L2 cache or an unusable model)', schema: R.HealthResponse },
      503: { description: 'The database is down (same shape, status down)', schema: R.HealthResponse },
    },
    errors: ['invalid_token', 'token_expired', 'auth_not_configured'],
  },
  'auth-login': {
    summary: 'Log in: a short-lived JWT',
    tag: 'auth',
    body: LoginBody,
    responses: { 200: { description: 'The token and the user', schema: R.LoginResponse } },
    errors: [
      'validation_error',
      'invalid_credentials',
      'rate_limited',
      'upstream_unavailable',
      'auth_not_configured',
    ],
  },
  'decision-analyze': {
    summary: 'Analyze a question: the structured recommendation, stored as a decision',
    tag: 'decisions',
    body: AnalyzeBody,
    responses: { 200: { description: 'The analysis', schema: R.AnalyzeResponse } },
    errors: [
      ...AUTH,
      'validation_error',
      'rate_limited',
      'upstream_unavailable',
      'llm_request_failed',
      'llm_invalid_output',
      'llm_not_configured',
      'provider_not_bundled',
    ],
  },
  'decision-analyze-stream': {
    summary: 'Analyze a question, streamed as server-sent events',
    description: StreamDescription,
    tag: 'decisions',
    body: AnalyzeBody,
    query: StreamQuery,
    headers: [
      {
        ...IDEMPOTENCY_KEY,
        description:
          'A replay with the same key and body streams the stored decision (no second analysis); another body → 409',
      },
      {
        name: 'X-Stream-Format',
        description: 'sse (default) or ai-sdk',
        schema: { type: 'string', enum: ['sse', 'ai-sdk'] },
      },
      {
        name: 'Last-Event-ID',
        description: 'Sent by a reconnecting EventSource; 204 when that decision is already stored',
        schema: { type: 'string' },
      },
    ],
    responses: {
      200: {
        description: 'The event stream (errors after it started arrive as a `failed` event)',
        contentType: 'text/event-stream',
        schema: z.string(),
        headers: {
          'X-Decision-Id': 'The decision id the stream will store',
          'Idempotent-Replayed': '`true` on a replay',
        },
      },
      204: { description: 'Reconnect after the end: nothing more to send, do not reconnect' },
    },
    errors: [
      ...AUTH,
      'validation_error',
      'rate_limited',
      'conflict',
      'upstream_unavailable',
      'llm_request_failed',
      'llm_invalid_output',
      'llm_not_configured',
      'provider_not_bundled',
    ],
  },
  'decisions-list': {
    summary: 'The caller’s decisions, newest first (keyset pages)',
    tag: 'decisions',
    query: ListDecisionsQuery,
    responses: {
      200: { description: 'One page; pass next_cursor back as ?cursor=', schema: R.DecisionPage },
    },
    errors: [...AUTH, 'validation_error', 'upstream_unavailable'],
  },
  'decisions-search': {
    summary: 'Search the org’s decisions (hybrid vector + full text)',
    tag: 'decisions',
    query: SearchDecisionsQuery,
    responses: { 200: { description: 'Best first', schema: R.SearchResponse } },
    errors: [...AUTH, 'validation_error', 'upstream_unavailable'],
  },
  'decisions-get': {
    summary: 'One decision of the caller’s org',
    tag: 'decisions',
    params: DecisionIdParams,
    responses: { 200: { description: 'The stored analysis', schema: R.AnalyzeResponse } },
    errors: [...AUTH, 'validation_error', 'not_found', 'upstream_unavailable'],
  },
  'analysis-start': {
    summary: 'Queue a long analysis (or up to 10): 202 with a task id',
    tag: 'analyses',
    body: startBodySchema(4000),
    headers: [IDEMPOTENCY_KEY],
    responses: {
      202: {
        description: 'Queued (or replayed: header Idempotent-Replayed)',
        schema: R.StartResponse,
        headers: { Location: 'The status URL', 'Idempotent-Replayed': '`true` on a replay' },
      },
    },
    errors: [...AUTH, 'validation_error', 'conflict', 'upstream_unavailable'],
  },
  'analysis-status': {
    summary: 'A queued analysis: status, progress and, when done, its result',
    tag: 'analyses',
    params: z.object({ task_id: z.string().uuid() }),
    responses: { 200: { description: 'The job', schema: R.JobView } },
    errors: [...AUTH, 'validation_error', 'not_found', 'upstream_unavailable'],
  },
  'org-metrics-import': {
    summary: 'Import the org’s company metrics (admin)',
    description:
      'JSON `{metrics:[…]}` or CSV (`Content-Type: text/csv`, header `metric,period,value[,unit]`). Validated as a whole, one transaction, upsert by (metric, period); an import that changes anything bumps the org’s data version, so answers cached from the old data are not served again.',
    tag: 'org',
    body: z.object({ metrics: z.array(MetricRowSchema).min(1).max(5000) }).strict(),
    csv: 'metric,period,value[,unit] with a header row; period YYYY-MM-DD or YYYY-MM',
    responses: { 200: { description: 'What changed', schema: R.MetricsImportResult } },
    errors: [...AUTH, 'validation_error', 'forbidden', 'upstream_unavailable'],
  },
  'org-metrics-list': {
    summary: 'The org’s stored company metrics',
    tag: 'org',
    query: MetricsListQuery,
    responses: {
      200: { description: 'Every metric with its points, oldest first', schema: R.StoredMetrics },
    },
    errors: [...AUTH, 'validation_error', 'upstream_unavailable'],
  },
};

type Json = Record<string, unknown>;

/** zod → JSON Schema 2020-12; named schemas (`.meta({id})`) become components and are referenced. */
class SchemaRegistry {
  readonly components: Record<string, Json> = {};

  schema(s: z.ZodType, io: 'input' | 'output'): Json {
    const raw = z.toJSONSchema(s, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
      override: (ctx) => {
        // coerced numbers arrive as strings in a query string: say both
        const def = (ctx.zodSchema as { _zod?: { def?: { coerce?: boolean; type?: string } } })._zod?.def;
        if (io === 'input' && def?.coerce && def.type === 'number') {
          (ctx.jsonSchema as Json).type = ['number', 'string'];
        }
      },
    });
    // named schemas (`.meta({id})`) land in $defs: they become components, referenced from everywhere
    const out = JSON.parse(JSON.stringify(raw).replaceAll('"#/$defs/', '"#/components/schemas/')) as Json & {
      $defs?: Record<string, Json>;
    };
    delete out.$schema;
    if (out.$defs) {
      for (const [k, v] of Object.entries(out.$defs)) {
        delete v.id;
        this.components[k] = v;
      }
      delete out.$defs;
    }
    const id = out.id as string | undefined;
    if (id) {
      delete out.id;
      this.components[id] = out;
      return { $ref: `#/components/schemas/${id}` };
    }
    return out;
  }
}

function parametersOf(reg: SchemaRegistry, schema: z.ZodType | undefined, where: 'query' | 'path'): Json[] {
  if (!schema) return [];
  const js = reg.schema(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (js.required ?? []).includes(name),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    schema: s,
  }));
}

function errorResponses(codes: string[]): Record<string, Json> {
  const byStatus = new Map<number, string[]>();
  for (const code of [...new Set([...codes, ...ALWAYS])]) {
    const e = ERROR_CODES[code];
    if (!e) throw new Error(`Unknown error code ${code}: add it to ERROR_CODES`);
    byStatus.set(e.status, [...(byStatus.get(e.status) ?? []), code]);
  }
  const out: Record<string, Json> = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    out[String(status)] = {
      description: list.map((c) => `\`${c}\`: ${ERROR_CODES[c]!.description}`).join('; '),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      'x-error-codes': list,
    };
  }
  return out;
}

export function buildOpenApi(
  opts: { serverUrl?: string; routes?: readonly RouteSpec[]; version?: string } = {},
): Json {
  const reg = new SchemaRegistry();
  reg.schema(R.ErrorBody, 'output');
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of opts.routes ?? ROUTES) {
    const doc = ROUTE_DOCS[route.id];
    if (!doc)
      throw new Error(`Route ${route.id} has no OpenAPI entry: add it to ROUTE_DOCS in bin/local/openapi.ts`);
    const parameters = [
      ...parametersOf(reg, doc.params, 'path'),
      ...parametersOf(reg, doc.query, 'query'),
      ...(doc.headers ?? []).map((h) => ({
        name: h.name,
        in: 'header',
        required: false,
        description: h.description,
        schema: h.schema,
      })),
    ];
    const responses: Record<string, Json> = {};
    for (const [status, r] of Object.entries(doc.responses)) {
      responses[status] = {
        description: r.description,
        ...(r.headers
          ? {
              headers: Object.fromEntries(
                Object.entries(r.headers).map(([k, d]) => [
                  k,
                  { description: d, schema: { type: 'string' } },
                ]),
              ),
            }
          : {}),
        ...(r.schema
          ? { content: { [r.contentType ?? 'application/json']: { schema: reg.schema(r.schema, 'output') } } }
          : {}),
      };
    }
    Object.assign(responses, errorResponses(doc.errors));
    const op: Json = {
      operationId: route.id.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()),
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      tags: [doc.tag],
      ...(parameters.length > 0 ? { parameters } : {}),
      security: route.auth ? [{ bearer: [] }] : doc.optionalAuth ? [{}, { bearer: [] }] : [],
      responses,
      'x-lambda': {
        id: route.id,
        memoryMb: route.memoryMb,
        timeoutSeconds: route.timeoutSeconds,
        streaming: route.streaming === true,
      },
    };
    if (doc.body) {
      const content: Json = { 'application/json': { schema: reg.schema(doc.body, 'input') } };
      if (doc.csv) content['text/csv'] = { schema: { type: 'string', description: doc.csv } };
      op.requestBody = { required: true, content };
    }
    const p = route.path;
    paths[p] ??= {};
    paths[p][route.method.toLowerCase()] = op;
  }
  const sseEvents: Record<string, Json> = {};
  for (const [name, schema] of Object.entries(R.StreamEvents)) sseEvents[name] = reg.schema(schema, 'output');
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'ceo-agent API',
      version: opts.version ?? '0.1.0',
      description:
        'Decision-analysis agent. Errors are always `{"error":{"code","message","details"?}}`; every response carries `X-Correlation-Id`. Timestamps are ISO 8601 with milliseconds and `Z`.',
    },
    servers: [{ url: opts.serverUrl ?? 'http://127.0.0.1:3000' }],
    tags: [
      { name: 'health' },
      { name: 'auth' },
      { name: 'decisions' },
      { name: 'analyses' },
      { name: 'org' },
    ],
    paths,
    components: {
      schemas: reg.components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    'x-error-codes': ERROR_CODES,
    'x-sse-events': sseEvents,
  };
}
