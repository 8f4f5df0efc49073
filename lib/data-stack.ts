import { Duration, RemovalPolicy, SecretValue, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { StageConfig } from './config';
import { SERVICE_NAME } from './constants';
import type { FunctionNetwork } from './constructs/app-function';
import { Database } from './constructs/database';
import { DbMigration } from './constructs/db-migration';
import { L2Cache, UNSET_SECRET_VALUE } from './constructs/l2-cache';
import { Network } from './constructs/network';
import { ANALYSIS_MAX_RECEIVE_COUNT, ANALYSIS_QUEUE_VISIBILITY_SECONDS } from './functions';

export interface DataStackProps extends StackProps {
  stage: StageConfig;
  projectRoot: string;
}

/**
 * Network and state: VPC, Aurora PostgreSQL Serverless v2 behind RDS Proxy (+ migrations on deploy), the L2
 * cache, DynamoDB (jobs and their Idempotency-Keys), the analysis queue and its DLQ, and the application secrets.
 */
export class DataStack extends Stack {
  readonly network: Network;
  readonly functionNetwork: FunctionNetwork;
  readonly database: Database;
  readonly cache: L2Cache;
  readonly migration: DbMigration;
  readonly jobsTable: dynamodb.TableV2;
  readonly analysisQueue: sqs.Queue;
  readonly analysisDlq: sqs.Queue;
  readonly jwtSecret: secretsmanager.Secret;
  readonly anthropicSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { stage } = props;
    const removalPolicy = stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.network = new Network(this, 'Network', { stage });
    this.functionNetwork = {
      vpc: this.network.vpc,
      subnets: this.network.appSubnets,
      securityGroup: this.network.functionSg,
    };
    this.database = new Database(this, 'Database', { stage, network: this.network });
    this.cache = new L2Cache(this, 'Cache', { stage, network: this.network });
    this.migration = new DbMigration(this, 'DbMigration', {
      stage,
      projectRoot: props.projectRoot,
      network: { ...this.functionNetwork, extraSecurityGroups: [this.network.migrationSg] },
      database: this.database.ownerBinding,
    });
    // The first run needs the writer instance up (the handler also retries while it starts).
    this.migration.resource.node.addDependency(this.database.cluster);

    this.jobsTable = new dynamodb.TableV2(this, 'JobsTable', {
      partitionKey: { name: 'task_id', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: stage.retainData,
      removalPolicy,
    });

    this.analysisDlq = new sqs.Queue(this, 'AnalysisDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.analysisDlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the analysis queue; it has an alarm when not empty.',
    });
    this.analysisQueue = new sqs.Queue(this, 'AnalysisQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(ANALYSIS_QUEUE_VISIBILITY_SECONDS),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.analysisDlq, maxReceiveCount: ANALYSIS_MAX_RECEIVE_COUNT },
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.jwtSecret = new secretsmanager.Secret(this, 'JwtSecret', {
      secretName: `${SERVICE_NAME}/${stage.stage}/jwt`,
      description: 'HS256 signing key for API access tokens',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    Validations.of(this.jwtSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the HS256 key invalidates every live token (they last 15 min), so it is rotated on demand with the runbook in docs/deploy.md, not on a timer.',
    });

    this.anthropicSecret = new secretsmanager.Secret(this, 'AnthropicApiKey', {
      secretName: `${SERVICE_NAME}/${stage.stage}/anthropic-api-key`,
      description: `Anthropic API key (put the real value after deploy; "${UNSET_SECRET_VALUE}" means not configured: analyze answers 503)`,
      secretStringValue: SecretValue.unsafePlainText(UNSET_SECRET_VALUE),
      removalPolicy,
    });
    Validations.of(this.anthropicSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Anthropic issues the key; it is rotated in the Anthropic console and put here (docs/deploy.md).',
    });
  }
}
