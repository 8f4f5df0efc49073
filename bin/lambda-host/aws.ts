import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';
import { createSqsClient } from '#core/queue/queue';
import { startSecretsManager } from './secrets-manager';
import type { Assembly, LocalBindings, ResourceRef } from './template';

/**
 * The template's AWS data resources, locally, bound to 127.0.0.1: DynamoDB tables in dynalite (key schema,
 * attribute definitions and GSIs from the template), SQS queues in fauxqs (VisibilityTimeout,
 * MessageRetentionPeriod, RedrivePolicy → DLQ), and Secrets Manager secrets in a small stand-in (a literal
 * SecretString, a value from the host's environment, or one generated per run as GenerateSecretString says).
 */
export interface LocalQueue {
  logicalId: string;
  name: string;
  url: string;
  arn: string;
  visibilityTimeoutSeconds: number;
  maxReceiveCount?: number;
  deadLetterArn?: string;
}

export interface LocalServices {
  region: string;
  dynamoEndpoint: string;
  sqsEndpoint: string;
  secretsEndpoint: string;
  tables: Map<string, string>;
  queues: Map<string, LocalQueue>;
  secrets: Map<string, { arn: string; name: string; source: string }>;
  /** Replaces the value of the secret with this ARN (the host's own value for it). */
  putSecret(arn: string, value: string): boolean;
  /** Ref/GetAtt of the local resources (tables, queues, secrets); others are left to the caller. */
  bind(r: ResourceRef, attribute?: string): string | undefined;
  stop(): Promise<void>;
}

export interface LocalServicesOptions {
  /** Overrides every queue's VisibilityTimeout (seconds): for tests of redelivery and the DLQ. */
  visibilityTimeoutSeconds?: number;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PUNCT = '!#$%&()*+,-./:;<=>?@[]^_`{|}~';

/** A value as GenerateSecretString describes it (length, excluded characters, JSON template + key). */
export function generateSecret(spec: Record<string, unknown>): string {
  const length = Number(spec.PasswordLength ?? 32);
  const exclude = String(spec.ExcludeCharacters ?? '');
  let alphabet = ALNUM + (spec.ExcludePunctuation ? '' : PUNCT);
  if (spec.ExcludeUppercase) alphabet = alphabet.replace(/[A-Z]/g, '');
  if (spec.ExcludeLowercase) alphabet = alphabet.replace(/[a-z]/g, '');
  if (spec.ExcludeNumbers) alphabet = alphabet.replace(/[0-9]/g, '');
  alphabet = [...alphabet].filter((c) => !exclude.includes(c)).join('');
  const bytes = randomBytes(length);
  const password = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  if (typeof spec.SecretStringTemplate === 'string' && typeof spec.GenerateStringKey === 'string') {
    return JSON.stringify({ ...JSON.parse(spec.SecretStringTemplate), [spec.GenerateStringKey]: password });
  }
  return password;
}

export async function startLocalServices(
  assembly: Assembly,
  opts: LocalServicesOptions = {},
): Promise<LocalServices> {
  const region = assembly.region;
  const account = assembly.accountId;
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve, reject) => {
      dynamo.once('error', reject);
      dynamo.listen(0, '127.0.0.1', () => resolve());
    });
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          dynamo.closeAllConnections();
          dynamo.close(() => resolve());
        }),
    );
    const dynamoEndpoint = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
    const sqs = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false, defaultRegion: region });
    stops.push(() => sqs.stop());
    const sqsEndpoint = `http://127.0.0.1:${sqs.port}`;
    const sm = await startSecretsManager();
    stops.push(() => sm.stop());

    const tables = new Map<string, string>();
    const queues = new Map<string, LocalQueue>();
    const secrets = new Map<string, { arn: string; name: string; source: string }>();
    const key = (r: ResourceRef) => `${r.stack.name}/${r.logicalId}`;
    // Names: the template's own when it sets one (plain string), else <stack>-<logicalId> as CloudFormation would.
    const nameOf = (r: ResourceRef, prop: string, max: number) => {
      const v = r.resource.Properties?.[prop];
      return typeof v === 'string' ? v : `${r.stack.name}-${r.logicalId}`.slice(0, max);
    };

    const bind = (r: ResourceRef, attribute?: string): string | undefined => {
      const k = key(r);
      switch (r.resource.Type) {
        case 'AWS::DynamoDB::Table':
        case 'AWS::DynamoDB::GlobalTable': {
          const name = tables.get(k);
          if (!name) return undefined;
          if (!attribute) return name;
          if (attribute === 'Arn') return `arn:aws:dynamodb:${region}:${account}:table/${name}`;
          return undefined;
        }
        case 'AWS::SQS::Queue': {
          const q = queues.get(k);
          if (!q) return undefined;
          if (!attribute || attribute === 'QueueUrl') return q.url;
          if (attribute === 'Arn') return q.arn;
          if (attribute === 'QueueName') return q.name;
          return undefined;
        }
        case 'AWS::SecretsManager::Secret': {
          const s = secrets.get(k);
          if (!s) return undefined;
          if (!attribute || attribute === 'Id') return s.arn;
          return undefined;
        }
        default:
          return undefined;
      }
    };
    // Only what is created so far can be referenced while creating (a DLQ before its source queue).
    const bindings: LocalBindings = { ref: (r) => bind(r), getAtt: (r, a) => bind(r, a) };

    const ddb = new DynamoDBClient({
      region,
      endpoint: dynamoEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      for (const r of [
        ...assembly.resources('AWS::DynamoDB::Table'),
        ...assembly.resources('AWS::DynamoDB::GlobalTable'),
      ]) {
        const p = r.resource.Properties ?? {};
        const name = nameOf(r, 'TableName', 255);
        const gsis = p.GlobalSecondaryIndexes as GlobalSecondaryIndex[] | undefined;
        await ddb.send(
          new CreateTableCommand({
            TableName: name,
            AttributeDefinitions: p.AttributeDefinitions as AttributeDefinition[],
            KeySchema: p.KeySchema as KeySchemaElement[],
            BillingMode: 'PAY_PER_REQUEST',
            ...(gsis?.length
              ? { GlobalSecondaryIndexes: gsis.map((g) => ({ ...g, ProvisionedThroughput: undefined })) }
              : {}),
          }),
        );
        for (let i = 0; i < 200; i++) {
          const out = await ddb.send(new DescribeTableCommand({ TableName: name }));
          if (out.Table?.TableStatus === 'ACTIVE') break;
          await new Promise((res) => setTimeout(res, 10));
        }
        tables.set(key(r), name);
      }
    } finally {
      ddb.destroy();
    }

    const client = createSqsClient({ region, endpoint: sqsEndpoint });
    try {
      const queueRefs = assembly.resources('AWS::SQS::Queue');
      // Every queue first (so a DLQ's ARN resolves), then the redrive policies.
      for (const r of queueRefs) {
        const p = r.resource.Properties ?? {};
        const name = nameOf(r, 'QueueName', 80);
        const visibility = opts.visibilityTimeoutSeconds ?? Number(p.VisibilityTimeout ?? 30);
        const attributes: Record<string, string> = { VisibilityTimeout: String(visibility) };
        if (p.MessageRetentionPeriod !== undefined) {
          attributes.MessageRetentionPeriod = String(p.MessageRetentionPeriod);
        }
        if (p.DelaySeconds !== undefined) attributes.DelaySeconds = String(p.DelaySeconds);
        if (p.FifoQueue) attributes.FifoQueue = 'true';
        const created = await client.send(
          new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
        );
        const url = created.QueueUrl!;
        const attrs = await client.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
        );
        queues.set(key(r), {
          logicalId: r.logicalId,
          name,
          url,
          arn: attrs.Attributes!.QueueArn!,
          visibilityTimeoutSeconds: visibility,
        });
      }
      for (const r of queueRefs) {
        const redrive = r.resource.Properties?.RedrivePolicy;
        if (!redrive) continue;
        const policy = assembly.resolve(redrive, r.stack, bindings) as {
          deadLetterTargetArn: string;
          maxReceiveCount: number | string;
        };
        const q = queues.get(key(r))!;
        q.maxReceiveCount = Number(policy.maxReceiveCount);
        q.deadLetterArn = policy.deadLetterTargetArn;
        await client.send(
          new SetQueueAttributesCommand({
            QueueUrl: q.url,
            Attributes: {
              RedrivePolicy: JSON.stringify({
                deadLetterTargetArn: policy.deadLetterTargetArn,
                maxReceiveCount: String(policy.maxReceiveCount),
              }),
            },
          }),
        );
      }
    } finally {
      client.destroy();
    }

    for (const r of assembly.resources('AWS::SecretsManager::Secret')) {
      const p = r.resource.Properties ?? {};
      const name = nameOf(r, 'Name', 512);
      const arn = `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${randomBytes(3).toString('hex')}`;
      let value: string;
      let source: string;
      if (typeof p.SecretString === 'string') {
        value = p.SecretString;
        source = 'template SecretString';
      } else {
        value = generateSecret((p.GenerateSecretString as Record<string, unknown>) ?? {});
        source = 'generated for this run';
      }
      sm.put({ arn, name, value });
      secrets.set(key(r), { arn, name, source });
    }

    return {
      region,
      dynamoEndpoint,
      sqsEndpoint,
      secretsEndpoint: sm.endpoint,
      tables,
      queues,
      secrets,
      bind,
      putSecret(arn, value) {
        const s = [...secrets.values()].find((x) => x.arn === arn);
        if (!s) return false;
        sm.put({ arn, name: s.name, value });
        s.source = 'host environment';
        return true;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
