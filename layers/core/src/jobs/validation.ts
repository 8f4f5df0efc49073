import * as z from 'zod';
import { ValidationError } from '../errors';
import { JOB_DEPTHS, JOB_MODES, type JobDepth, type JobMode } from './types';

/** Most analyses one bulk start may enqueue: one SQS SendMessageBatch. */
export const MAX_BULK_QUERIES = 10;
export const MAX_IDEMPOTENCY_KEY_CHARS = 255;

export interface JobRequest {
  query: string;
  depth: JobDepth;
}

/** A normalised start request: `single` answers `{task_id,status}`, bulk answers `{results:[…]}`. */
export type StartRequest = ({ kind: 'single'; item: JobRequest } | { kind: 'bulk'; items: JobRequest[] }) & {
  mode?: JobMode;
};

const depthSchema = z
  .enum(JOB_DEPTHS)
  .describe(
    'Tool-use turns of the agent: quick 1, standard AGENT_MAX_STEPS (default), deep two more (at most 10)',
  );

function querySchema(maxQueryChars: number) {
  return z
    .string({ error: 'query must be a string' })
    .trim()
    .min(1, 'query must not be empty')
    .max(maxQueryChars, `query must be at most ${maxQueryChars} characters`);
}

/**
 * Body of POST /api/v1/analysis/start: `{query, depth?}` or `{queries:[query | {query, depth?}], depth?}`
 * (at most 10; a top-level depth is the default of the items).
 */
export function startBodySchema(maxQueryChars: number) {
  const query = querySchema(maxQueryChars);
  const item = z.union([query, z.strictObject({ query, depth: depthSchema.optional() })]);
  return z
    .strictObject({
      query: query.optional(),
      depth: depthSchema.optional(),
      /** `batch`: every analysis of the request through Claude's Message Batches API, at half the price */
      mode: z.enum(JOB_MODES).optional(),
      queries: z
        .array(item)
        .min(1, 'queries must not be empty')
        .max(MAX_BULK_QUERIES, `queries may hold at most ${MAX_BULK_QUERIES} items`)
        .optional(),
    })
    .superRefine((body, ctx) => {
      if ((body.query === undefined) === (body.queries === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'give exactly one of query or queries', path: ['query'] });
      }
    })
    .transform((body): StartRequest => {
      const depth = body.depth ?? 'standard';
      // interactive stays implicit, so the body hash (Idempotency-Key) of existing requests is unchanged
      const mode = body.mode === 'batch' ? { mode: 'batch' as const } : {};
      if (body.queries !== undefined) {
        return {
          ...mode,
          kind: 'bulk',
          items: body.queries.map((q) =>
            typeof q === 'string' ? { query: q, depth } : { query: q.query, depth: q.depth ?? depth },
          ),
        };
      }
      return { ...mode, kind: 'single', item: { query: body.query ?? '', depth } };
    });
}

export const taskIdSchema = z.uuid({ error: 'task_id must be a UUID' });

export const statusPathSchema = z.object({ task_id: taskIdSchema });

/** Idempotency-Key: 1..255 visible ASCII characters. */
export const idempotencyKeySchema = z
  .string()
  .min(1, 'Idempotency-Key must not be empty')
  .max(MAX_IDEMPOTENCY_KEY_CHARS, `Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY_CHARS} characters`)
  .regex(/^[\x21-\x7e]+$/, 'Idempotency-Key must be visible ASCII characters');

function issues(error: z.ZodError) {
  return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

export function parseStartBody(body: unknown, maxQueryChars: number): StartRequest {
  const parsed = startBodySchema(maxQueryChars).safeParse(body);
  if (!parsed.success) throw new ValidationError('Invalid analysis start request', issues(parsed.error));
  return parsed.data;
}

export function parseTaskId(value: unknown): string {
  const parsed = taskIdSchema.safeParse(value);
  if (!parsed.success) throw new ValidationError('Invalid task id', issues(parsed.error));
  return parsed.data;
}

/** Header value (undefined when absent) → key, or ValidationError. */
export function parseIdempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = idempotencyKeySchema.safeParse(value);
  if (!parsed.success) throw new ValidationError('Invalid Idempotency-Key header', issues(parsed.error));
  return parsed.data;
}
