import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StageConfig } from '../config';
import {
  DB_POOL_MAX,
  DIRECT_IDLE_SESSION_TIMEOUT_MINUTES,
  METRICS_NAMESPACE,
  PROXY_IDLE_CLIENT_TIMEOUT_MINUTES,
  SERVICE_NAME,
} from '../constants';
import {
  BUNDLE_EXTERNALS,
  BUNDLE_MAIN_FIELDS,
  BUNDLE_MINIFY,
  BUNDLE_SOURCE_MAP,
  BUNDLE_SOURCES_CONTENT,
  BUNDLE_TARGET,
  bundleAliases,
  bundleDefines,
  ESM_REQUIRE_BANNER,
} from './bundling';

/** Where a function sits in the VPC (omitted: outside the VPC). */
export interface FunctionNetwork {
  vpc: ec2.IVpc;
  subnets: ec2.SubnetSelection;
  securityGroup: ec2.ISecurityGroup;
  /** More groups for one function (the migration handler's direct path to Aurora). */
  extraSecurityGroups?: ec2.ISecurityGroup[];
}

/** Postgres as `user` with IAM authentication and TLS: through RDS Proxy, or to the cluster endpoint directly. */
export interface DatabaseBinding {
  via: 'proxy' | 'cluster';
  /** The proxy endpoint or the cluster's writer endpoint: the host the client signs its IAM token for. */
  host: string;
  databaseName: string;
  user: string;
  port: number;
  /** `rds-db:connect` for `user` on what `host` names (the proxy, or the cluster). */
  grantConnect(grantee: iam.IGrantable): iam.Grant;
}

/** Postgres directly on the cluster as the master user, password from the RDS-managed secret (migrations only). */
export interface DatabaseOwnerBinding {
  host: string;
  port: number;
  databaseName: string;
  user: string;
  masterSecret: secretsmanager.ISecret;
}

/**
 * Where Lambda's Node.js 20+ runtimes keep the Amazon RDS CA bundle; they no longer trust it by default, and a
 * direct TLS connection to Aurora (not through RDS Proxy, whose certificate is public) needs it.
 */
export const LAMBDA_RDS_CA_BUNDLE = '/var/runtime/ca-cert.pem';

export type CacheBinding =
  | { provider: 'elasticache'; endpointAddress: string; endpointPort: string }
  | { provider: 'upstash'; secret: secretsmanager.ISecret }
  | { provider: 'none' };

export interface AppFunctionProps {
  /** Stable id (route id or function folder); the function is named `ceo-agent-<stage>-<id>`. */
  id: string;
  /** Handler module relative to `projectRoot`; it exports `handler`. */
  entry: string;
  projectRoot: string;
  memoryMb: number;
  timeoutSeconds: number;
  description: string;
  stage: StageConfig;
  network?: FunctionNetwork;
  /** Shell commands run after esbuild (e.g. copy SQL files next to the bundle). */
  afterBundling?: (inputDir: string, outputDir: string) => string[];
}

/** The embeddings model the runtime calls when a stage chooses Bedrock (layers/core/src/embeddings/titan.ts). */
export const TITAN_EMBEDDINGS_MODEL_ID = 'amazon.titan-embed-text-v2:0';

/** The Lambda ENI actions: AWS accepts no resource narrower than `*` for most of them. */
export const VPC_ENI_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/**
 * The one construct that sets every function's defaults: Node.js 22 on arm64, ESM bundle built by the local
 * esbuild (minified, source maps, tree-shaken per entry), an explicit log group with the stage's retention,
 * JSON logs, X-Ray tracing, the Powertools environment, and a role that starts with only the right to write
 * to its own log group. Everything else is added through the `bind…` helpers, each of which sets the env var
 * the runtime reads and the matching IAM grant together.
 */
export class AppFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  readonly id: string;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);
    this.id = props.id;
    const { stage } = props;
    const functionName = `${SERVICE_NAME}-${stage.stage}-${props.id}`;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: retentionDays(stage.logRetentionDays),
      removalPolicy: stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${functionName} execution role`,
      // Inline on the role itself: Lambda checks the ENI permissions when the function is created.
      inlinePolicies: props.network
        ? {
            VpcAccess: new iam.PolicyDocument({
              statements: [new iam.PolicyStatement({ actions: VPC_ENI_ACTIONS, resources: ['*'] })],
            }),
          }
        : undefined,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      functionName,
      description: props.description,
      entry: path.join(props.projectRoot, props.entry),
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: path.join(props.projectRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel[stage.logLevel],
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      tracing: lambda.Tracing.ACTIVE,
      // Connection reuse is the SDK v3 default; the flag only matters for v2.
      awsSdkConnectionReuse: false,
      vpc: props.network?.vpc,
      vpcSubnets: props.network?.subnets,
      securityGroups: props.network
        ? [props.network.securityGroup, ...(props.network.extraSecurityGroups ?? [])]
        : undefined,
      environment: {
        STAGE: stage.stage,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: stage.logLevel,
        LOG_LEVEL: stage.logLevel,
        ...(stage.sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        CORS_ORIGIN: stage.corsOrigins.join(','),
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: BUNDLE_TARGET,
        platform: 'node',
        minify: BUNDLE_MINIFY,
        sourceMap: BUNDLE_SOURCE_MAP,
        sourceMapMode: nodejs.SourceMapMode.DEFAULT,
        sourcesContent: BUNDLE_SOURCES_CONTENT,
        mainFields: [...BUNDLE_MAIN_FIELDS],
        banner: ESM_REQUIRE_BANNER,
        define: bundleDefines(stage),
        esbuildArgs: Object.fromEntries(
          Object.entries(bundleAliases(props.projectRoot)).map(([from, to]) => [`--alias:${from}`, to]),
        ),
        bundleAwsSDK: true,
        externalModules: [...BUNDLE_EXTERNALS],
        forceDockerBundling: false,
        commandHooks: props.afterBundling
          ? {
              beforeBundling: () => [],
              beforeInstall: () => [],
              afterBundling: props.afterBundling,
            }
          : undefined,
      },
    });

    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: `Only actions AWS does not scope to a resource: X-Ray PutTraceSegments/PutTelemetryRecords (active tracing)${props.network ? ` and the Lambda VPC ENI actions (${VPC_ENI_ACTIONS.join(', ')})` : ''}. Every other statement names its resource.`,
      },
      {
        id: 'AwsSolutions-L1',
        reason:
          'Node.js 22 is the pinned runtime (an LTS line supported by Lambda; matches the toolchain the code is tested with); moving to a newer line is a deliberate upgrade.',
      },
    );
  }

  /** Sets an environment variable (for values that are neither credentials nor resources with grants). */
  setEnv(name: string, value: string): this {
    this.fn.addEnvironment(name, value);
    return this;
  }

  /**
   * DATABASE_URL without a password (the runtime signs an RDS IAM token for the URL's user and host), DB_SSL,
   * DB_IAM_AUTH, the pool's size and idle time-out, and `rds-db:connect` for that user on the proxy or the cluster.
   * - through RDS Proxy: a pool of 2 (the proxy multiplexes), closed a minute before the proxy's idle client
   *   time-out (a reconnect costs a TLS handshake and an IAM token); the proxy's certificate is public.
   * - to the cluster: a pool of 1 (each connection is an Aurora backend), Aurora's own idle session time-out
   *   (so frozen instances release their connections and the cluster can auto-pause) with the pool a minute
   *   below it, and the RDS CA bundle Lambda ships, which Aurora's certificate needs.
   */
  bindDatabase(db: DatabaseBinding): this {
    this.fn.addEnvironment(
      'DATABASE_URL',
      `postgresql://${db.user}@${db.host}:${db.port}/${db.databaseName}`,
    );
    this.fn.addEnvironment('DB_SSL', 'true');
    this.fn.addEnvironment('DB_IAM_AUTH', 'true');
    if (db.via === 'proxy') {
      this.fn.addEnvironment('DB_POOL_MAX', String(DB_POOL_MAX.proxy));
      this.fn.addEnvironment('DB_IDLE_TIMEOUT_MS', String((PROXY_IDLE_CLIENT_TIMEOUT_MINUTES - 1) * 60_000));
    } else {
      this.fn.addEnvironment('DB_POOL_MAX', String(DB_POOL_MAX.direct));
      this.fn.addEnvironment(
        'DB_IDLE_SESSION_TIMEOUT_MS',
        String(DIRECT_IDLE_SESSION_TIMEOUT_MINUTES * 60_000),
      );
      this.fn.addEnvironment(
        'DB_IDLE_TIMEOUT_MS',
        String((DIRECT_IDLE_SESSION_TIMEOUT_MINUTES - 1) * 60_000),
      );
      this.fn.addEnvironment('NODE_EXTRA_CA_CERTS', LAMBDA_RDS_CA_BUNDLE);
    }
    db.grantConnect(this.fn);
    return this;
  }

  /**
   * The migration handler's connection: DATABASE_URL (the cluster's writer endpoint, master user, no password),
   * DB_SSL, DB_MASTER_SECRET_ARN (the RDS-managed secret; read at each run, so RDS's rotation needs nothing from
   * us) with read access to it, and the RDS CA bundle for TLS.
   */
  bindDatabaseOwner(db: DatabaseOwnerBinding): this {
    this.fn.addEnvironment(
      'DATABASE_URL',
      `postgresql://${db.user}@${db.host}:${db.port}/${db.databaseName}`,
    );
    this.fn.addEnvironment('DB_SSL', 'true');
    this.fn.addEnvironment('NODE_EXTRA_CA_CERTS', LAMBDA_RDS_CA_BUNDLE);
    this.bindSecret('DB_MASTER_SECRET_ARN', db.masterSecret);
    return this;
  }

  /** CACHE_PROVIDER plus REDIS_URL (ElastiCache, TLS) or UPSTASH_SECRET_ARN (JSON {url, token}). */
  bindCache(cache: CacheBinding): this {
    this.fn.addEnvironment('CACHE_PROVIDER', cache.provider);
    if (cache.provider === 'elasticache') {
      this.fn.addEnvironment('REDIS_URL', `rediss://${cache.endpointAddress}:${cache.endpointPort}`);
    } else if (cache.provider === 'upstash') {
      this.bindSecret('UPSTASH_SECRET_ARN', cache.secret);
    }
    return this;
  }

  /** `<envName>` = the secret's ARN; the runtime reads the value at cold start. Grants GetSecretValue. */
  bindSecret(envName: string, secret: secretsmanager.ISecret): this {
    this.fn.addEnvironment(envName, secret.secretArn);
    secret.grantRead(this.fn);
    return this;
  }

  /**
   * EMBEDDINGS_PROVIDER, and for Bedrock (Titan Text Embeddings V2) `bedrock:InvokeModel` on that model only.
   */
  bindEmbeddings(provider: 'offline' | 'bedrock'): this {
    this.fn.addEnvironment('EMBEDDINGS_PROVIDER', provider);
    if (provider === 'bedrock') {
      this.fn.addEnvironment('EMBEDDINGS_MODEL_ID', TITAN_EMBEDDINGS_MODEL_ID);
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['bedrock:InvokeModel'],
          resources: [
            Stack.of(this).formatArn({
              service: 'bedrock',
              account: '',
              resource: 'foundation-model',
              resourceName: TITAN_EMBEDDINGS_MODEL_ID,
            }),
          ],
        }),
      );
    }
    return this;
  }

  bindTable(envName: string, table: dynamodb.ITableV2, access: 'read' | 'readwrite'): this {
    this.fn.addEnvironment(envName, table.tableName);
    if (access === 'read') table.grantReadData(this.fn);
    else table.grantReadWriteData(this.fn);
    return this;
  }

  bindQueueSender(envName: string, queue: sqs.IQueue): this {
    this.fn.addEnvironment(envName, queue.queueUrl);
    queue.grantSendMessages(this.fn);
    return this;
  }
}

function retentionDays(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number');
  const match = allowed.filter((v) => v >= days).sort((a, b) => a - b)[0];
  if (match === undefined) throw new Error(`No CloudWatch Logs retention of at least ${days} days`);
  return match as logs.RetentionDays;
}
