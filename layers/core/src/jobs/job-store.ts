import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { credentialsForEndpoint } from '../aws/credentials';
import type { Job, JobError } from './types';

/**
 * The job state machine, persisted. Every transition is a conditional write, so a duplicate or redelivered
 * message can never move a job backwards or finish it twice:
 *
 *   create            (none) → QUEUED                      attribute_not_exists(task_id)
 *   claim             QUEUED | RUNNING with expired lease → RUNNING   (new attempt_id, lease, attempts)
 *   progress/complete/fail/release   only by the attempt holding the job (status RUNNING, same attempt_id)
 *   markEnqueueFailed QUEUED → FAILED(enqueue_failed)
 *   requeue           FAILED(enqueue_failed) → QUEUED       (a retried start re-sends the message)
 *
 * Methods answer `false`/`undefined` when the condition did not hold and throw on any other error.
 */
export interface JobStore {
  create(job: Job): Promise<boolean>;
  get(taskId: string): Promise<Job | undefined>;
  claim(taskId: string, claim: JobClaim): Promise<Job | undefined>;
  updateProgress(taskId: string, attemptId: string, progress: number): Promise<boolean>;
  /** RUNNING → SUCCEEDED, pointing to the decision the attempt recorded. */
  complete(taskId: string, attemptId: string, decisionId: string): Promise<boolean>;
  fail(taskId: string, attemptId: string, error: JobError): Promise<boolean>;
  /** RUNNING → QUEUED after a retryable failure: the message is redelivered and claims it again. */
  release(taskId: string, attemptId: string, lastError: JobError): Promise<boolean>;
  markEnqueueFailed(taskId: string, error: JobError): Promise<boolean>;
  /**
   * FAILED → QUEUED for a job that failed for `reason`: `enqueue_failed` (the client retries the start) or
   * `max_attempts_exceeded` (its message was redriven from the DLQ).
   */
  requeue(taskId: string, reason?: 'enqueue_failed' | 'max_attempts_exceeded'): Promise<boolean>;
}

export interface JobClaim {
  attemptId: string;
  /** ApproximateReceiveCount of the delivery. */
  attempts: number;
  leaseMs: number;
}

export type Clock = () => number;

export interface DynamoClientOptions {
  region: string;
  endpoint?: string;
  maxAttempts?: number;
}

/** A DocumentClient that drops `undefined` attributes (optional fields of Job). */
export function createDynamoDocumentClient(opts: DynamoClientOptions): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: opts.region,
    maxAttempts: opts.maxAttempts ?? 3,
    // The SDK sets no time-out by default: a stalled connection must not hold a request until the Lambda dies.
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
    ...(opts.endpoint ? { endpoint: opts.endpoint, credentials: credentialsForEndpoint(opts.endpoint) } : {}),
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function isConditionFailure(err: unknown): boolean {
  return (
    err instanceof ConditionalCheckFailedException ||
    (err instanceof Error && err.name === 'ConditionalCheckFailedException')
  );
}

const iso = (ms: number) => new Date(ms).toISOString();

export class DynamoJobStore implements JobStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly now: Clock = Date.now,
  ) {}

  async create(job: Job): Promise<boolean> {
    return this.conditional(
      new PutCommand({
        TableName: this.tableName,
        Item: job,
        ConditionExpression: 'attribute_not_exists(task_id)',
      }),
    );
  }

  async get(taskId: string): Promise<Job | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { task_id: taskId }, ConsistentRead: true }),
    );
    return out.Item as Job | undefined;
  }

  async claim(taskId: string, claim: JobClaim): Promise<Job | undefined> {
    const now = this.now();
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { task_id: taskId },
          ConditionExpression:
            'attribute_exists(task_id) AND (#s = :queued OR (#s = :running AND lease_expires_at < :now))',
          UpdateExpression:
            'SET #s = :running, attempt_id = :a, lease_expires_at = :lease, attempts = :n, progress = :zero, ' +
            'started_at = :iso, updated_at = :iso',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':queued': 'QUEUED',
            ':running': 'RUNNING',
            ':now': now,
            ':a': claim.attemptId,
            ':lease': now + claim.leaseMs,
            ':n': claim.attempts,
            ':zero': 0,
            ':iso': iso(now),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes as Job;
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  async updateProgress(taskId: string, attemptId: string, progress: number): Promise<boolean> {
    return this.byAttempt(taskId, attemptId, 'SET progress = :p, updated_at = :iso', {
      ':p': Math.max(0, Math.min(100, Math.round(progress))),
    });
  }

  async complete(taskId: string, attemptId: string, decisionId: string): Promise<boolean> {
    return this.byAttempt(
      taskId,
      attemptId,
      'SET #s = :done, progress = :hundred, decision_id = :d, finished_at = :iso, updated_at = :iso ' +
        'REMOVE lease_expires_at',
      { ':done': 'SUCCEEDED', ':hundred': 100, ':d': decisionId },
    );
  }

  async fail(taskId: string, attemptId: string, error: JobError): Promise<boolean> {
    return this.byAttempt(
      taskId,
      attemptId,
      'SET #s = :failed, #e = :err, finished_at = :iso, updated_at = :iso REMOVE lease_expires_at',
      { ':failed': 'FAILED', ':err': error },
      { '#e': 'error' },
    );
  }

  async release(taskId: string, attemptId: string, lastError: JobError): Promise<boolean> {
    return this.byAttempt(
      taskId,
      attemptId,
      'SET #s = :queued, last_error = :err, updated_at = :iso REMOVE lease_expires_at, attempt_id',
      { ':queued': 'QUEUED', ':err': lastError },
    );
  }

  async markEnqueueFailed(taskId: string, error: JobError): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { task_id: taskId },
        ConditionExpression: '#s = :queued',
        UpdateExpression: 'SET #s = :failed, #e = :err, finished_at = :iso, updated_at = :iso',
        ExpressionAttributeNames: { '#s': 'status', '#e': 'error' },
        ExpressionAttributeValues: {
          ':queued': 'QUEUED',
          ':failed': 'FAILED',
          ':err': error,
          ':iso': this.iso(),
        },
      }),
    );
  }

  async requeue(
    taskId: string,
    reason: 'enqueue_failed' | 'max_attempts_exceeded' = 'enqueue_failed',
  ): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { task_id: taskId },
        ConditionExpression: '#s = :failed AND #e.#c = :code',
        UpdateExpression: 'SET #s = :queued, updated_at = :iso REMOVE #e, finished_at',
        ExpressionAttributeNames: { '#s': 'status', '#e': 'error', '#c': 'code' },
        ExpressionAttributeValues: {
          ':failed': 'FAILED',
          ':queued': 'QUEUED',
          ':code': reason,
          ':iso': this.iso(),
        },
      }),
    );
  }

  private iso(): string {
    return iso(this.now());
  }

  private byAttempt(
    taskId: string,
    attemptId: string,
    update: string,
    values: Record<string, unknown>,
    names: Record<string, string> = {},
  ): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { task_id: taskId },
        ConditionExpression: '#s = :running AND attempt_id = :attempt',
        UpdateExpression: update,
        ExpressionAttributeNames: { '#s': 'status', ...names },
        ExpressionAttributeValues: {
          ':running': 'RUNNING',
          ':attempt': attemptId,
          ':iso': this.iso(),
          ...values,
        },
      }),
    );
  }

  private async conditional(command: PutCommand | UpdateCommand): Promise<boolean> {
    try {
      // Narrowed per call: the document client's send is overloaded per command type.
      if (command instanceof PutCommand) await this.doc.send(command);
      else await this.doc.send(command);
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }
}
