import * as z from 'zod';

/** The SQS message of a job: only its id (the job item holds everything else). */
const JobMessageSchema = z.object({ v: z.literal(1), task_id: z.uuid() });

export type JobMessage = z.infer<typeof JobMessageSchema>;

/**
 * The message of a group of `"mode": "batch"` jobs (one start request): it carries the group's progress through
 * Message Batches — the answered model turns of each job, and the batch in flight — so nothing holds a Lambda
 * while Claude works: a delayed copy of this message checks the batch again.
 */
const StoredResponseSchema = z.object({
  content: z.array(z.record(z.string(), z.unknown())),
  stopReason: z.string(),
  usage: z.object({
    input_tokens: z.number(),
    output_tokens: z.number(),
    cache_read_input_tokens: z.number(),
    cache_creation_input_tokens: z.number(),
  }),
  model: z.string(),
});

const BatchGroupMessageSchema = z.object({
  v: z.literal(1),
  kind: z.literal('batch'),
  /** The attempt id every job of the group is claimed with (RUNNING across many messages). */
  attempt_id: z.string().min(1),
  task_ids: z.array(z.uuid()).min(1).max(100),
  /** The Message Batch in flight; absent when the next turn is still to be submitted. */
  batch_id: z.string().min(1).optional(),
  /** Checks of the batch in flight so far. */
  polls: z.number().int().min(0).default(0),
  /** task id → answered model turns, in order (LlmResponse) */
  turns: z.record(z.string(), z.array(StoredResponseSchema)).default({}),
  /** task id → failed batch requests (errored/expired) so far */
  retries: z.record(z.string(), z.number().int()).default({}),
});

export type BatchGroupMessage = z.infer<typeof BatchGroupMessageSchema>;

export function encodeJobMessage(taskId: string): string {
  return JSON.stringify({ v: 1, task_id: taskId } satisfies JobMessage);
}

export function encodeBatchGroupMessage(
  m: Omit<BatchGroupMessage, 'v' | 'kind' | 'turns'> & { turns: Record<string, unknown[]> },
): string {
  return JSON.stringify({ v: 1, kind: 'batch', ...m });
}

/** A body that is not a job message can never succeed: the worker lets it go to the DLQ. */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new PoisonMessageError('Message body is not JSON');
  }
}

export function decodeJobMessage(body: string): JobMessage {
  const parsed = JobMessageSchema.safeParse(parseBody(body));
  if (!parsed.success) throw new PoisonMessageError('Message body is not a job message');
  return parsed.data;
}

/** Either message kind. */
export function decodeAnyJobMessage(
  body: string,
): { kind: 'job'; message: JobMessage } | { kind: 'batch'; message: BatchGroupMessage } {
  const raw = parseBody(body);
  if ((raw as { kind?: unknown })?.kind === 'batch') {
    const parsed = BatchGroupMessageSchema.safeParse(raw);
    if (!parsed.success) throw new PoisonMessageError('Message body is not a batch group message');
    return { kind: 'batch', message: parsed.data };
  }
  const parsed = JobMessageSchema.safeParse(raw);
  if (!parsed.success) throw new PoisonMessageError('Message body is not a job message');
  return { kind: 'job', message: parsed.data };
}
