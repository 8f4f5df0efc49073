import * as z from 'zod';

/** The SQS message of a job: only its id (the job item holds everything else). */
const JobMessageSchema = z.object({ v: z.literal(1), task_id: z.uuid() });

export type JobMessage = z.infer<typeof JobMessageSchema>;

export function encodeJobMessage(taskId: string): string {
  return JSON.stringify({ v: 1, task_id: taskId } satisfies JobMessage);
}

/** A body that is not a job message can never succeed: the worker lets it go to the DLQ. */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}

export function decodeJobMessage(body: string): JobMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new PoisonMessageError('Message body is not JSON');
  }
  const parsed = JobMessageSchema.safeParse(raw);
  if (!parsed.success) throw new PoisonMessageError('Message body is not a job message');
  return parsed.data;
}
