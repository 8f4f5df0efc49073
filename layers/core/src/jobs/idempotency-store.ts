import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type Clock, isConditionFailure } from './job-store';

/**
 * Idempotency-Key records, kept in the jobs table under `idem#<sha256(org,user,key[,index])>` (never a UUID,
 * so they cannot collide with jobs or be read through the status route). A record binds the key to the
 * task id it created and to a hash of the request body.
 */
export interface IdempotencyRecord {
  task_id: string;
  job_task_id: string;
  body_hash: string;
  created_at: string;
  /** Epoch seconds; an expired record counts as absent (DynamoDB TTL deletes lazily, dynalite never). */
  ttl: number;
}

export type ReserveOutcome = { reserved: true } | { reserved: false; existing: IdempotencyRecord };

export interface IdempotencyStore {
  /** Binds the key to `record.job_task_id`, or answers the live record that already holds the key. */
  reserve(record: IdempotencyRecord): Promise<ReserveOutcome>;
}

export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly now: Clock = Date.now,
  ) {}

  async reserve(record: IdempotencyRecord): Promise<ReserveOutcome> {
    // Two rounds at most: a record that expires between our failed put and our read is simply retaken.
    for (let round = 0; round < 2; round++) {
      const nowSec = Math.floor(this.now() / 1000);
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: record,
            ConditionExpression: 'attribute_not_exists(task_id) OR #ttl < :now',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':now': nowSec },
          }),
        );
        return { reserved: true };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      const out = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { task_id: record.task_id }, ConsistentRead: true }),
      );
      const existing = out.Item as IdempotencyRecord | undefined;
      if (existing && existing.ttl >= nowSec) return { reserved: false, existing };
    }
    throw new Error('Idempotency record could not be reserved');
  }
}
