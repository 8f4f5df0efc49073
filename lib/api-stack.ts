import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { RouteSpec } from '../functions/routes';
import type { StageConfig } from './config';
import { SERVICE_NAME } from './constants';
import { AppFunction } from './constructs/app-function';
import { ApiWebAcl } from './constructs/web-acl';
import type { DataStack } from './data-stack';
import {
  ANALYSIS_MAX_RECEIVE_COUNT,
  ANALYSIS_QUEUE_VISIBILITY_SECONDS,
  ANALYSIS_WORKER,
  agentDeadlineMs,
  type FunctionNeeds,
  type FunctionSpec,
} from './functions';
import { methodOptionsKey, methodThrottle } from './throttles';

export interface ApiStackProps extends StackProps {
  stage: StageConfig;
  projectRoot: string;
  data: DataStack;
  routes: readonly RouteSpec[];
  /** Entry file for a function (relative to projectRoot); defaults to the spec's own entry. */
  entryFor?: (spec: FunctionSpec) => string;
}

export interface RouteFunction {
  route: RouteSpec;
  fn: AppFunction;
  method: apigw.Method;
}

/** API Gateway's own limit for a buffered integration; streaming integrations may run up to 15 minutes. */
const BUFFERED_INTEGRATION_MAX_SECONDS = 29;

/**
 * The REST API (one Lambda per route of `functions/routes.ts`, so a route added there appears here) and the
 * analysis worker. JWTs are verified inside the functions (see docs/deploy.md for why not an authorizer).
 */
export class ApiStack extends Stack {
  readonly api: apigw.RestApi;
  readonly routeFunctions: RouteFunction[] = [];
  readonly worker: AppFunction;
  readonly accessLogs: logs.LogGroup;
  /** The stage's own web ACL (stage setting `waf`, unless `wafWebAclArn` names an external one). */
  readonly webAcl?: ApiWebAcl;
  /** Only with `apiKeyRequired`: a usage plan without keys would meter nothing. */
  readonly usagePlan?: apigw.UsagePlan;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { stage, data, projectRoot } = props;
    const entryFor = props.entryFor ?? ((spec: FunctionSpec) => spec.entry);
    const removalPolicy = stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/apigateway/${SERVICE_NAME}-${stage.stage}/access`,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy,
    });

    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: `${SERVICE_NAME}-${stage.stage}`,
      description: 'ceo-agent decision-analysis API',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // Execution logs (ERROR) need the account-level CloudWatch role; kept on stack deletion because it is
      // shared by every API in the account and region.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      apiKeySourceType: apigw.ApiKeySourceType.HEADER,
      deployOptions: {
        stageName: stage.stage,
        tracingEnabled: true,
        // Per-method metrics: the dashboard's latency per route needs the Resource/Method dimensions.
        metricsEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: stage.apiThrottleRateLimit,
        throttlingBurstLimit: stage.apiThrottleBurstLimit,
        // Each route's share of the stage rate (functions/routes.ts `throttle`): login and the model routes low,
        // reads high, so one route's flood does not take the others' capacity.
        methodOptions: Object.fromEntries(
          props.routes.map((route) => {
            const t = methodThrottle(route, stage);
            return [
              methodOptionsKey(route),
              { throttlingRateLimit: t.rateLimit, throttlingBurstLimit: t.burstLimit },
            ];
          }),
        ),
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTimeEpoch',
            ip: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            method: '$context.httpMethod',
            resourcePath: '$context.resourcePath',
            status: '$context.status',
            responseLatencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integration.latency',
            integrationStatus: '$context.integration.status',
            responseLength: '$context.responseLength',
            error: '$context.error.message',
            xrayTraceId: '$context.xrayTraceId',
          }),
        ),
      },
      defaultCorsPreflightOptions: {
        allowOrigins: stage.corsOrigins,
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Correlation-Id', 'X-Api-Key'],
        maxAge: Duration.hours(1),
      },
    });

    // Errors produced by API Gateway itself (throttling, missing route, integration failure) get the same
    // body shape as the application's: {"error":{"code","message"}}.
    const corsOrigin = stage.corsOrigins.length === 1 ? stage.corsOrigins[0] : undefined;
    for (const [name, type] of [
      ['Default4xx', apigw.ResponseType.DEFAULT_4XX],
      ['Default5xx', apigw.ResponseType.DEFAULT_5XX],
    ] as const) {
      this.api.addGatewayResponse(name, {
        type,
        responseHeaders: corsOrigin ? { 'Access-Control-Allow-Origin': `'${corsOrigin}'` } : undefined,
        templates: {
          'application/json':
            '{"error":{"code":"$context.error.responseType","message":$context.error.messageString}}',
        },
      });
    }

    // Edge validation before any Lambda runs: declared path parameters are present, and a JSON request body
    // is a JSON object. The functions validate the fields themselves (zod).
    const validator = this.api.addRequestValidator('Basic', {
      requestValidatorName: 'basic',
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    const jsonObject = this.api.addModel('JsonObject', {
      contentType: 'application/json',
      modelName: 'JsonObject',
      schema: {
        schema: apigw.JsonSchemaVersion.DRAFT4,
        title: 'JsonObject',
        type: apigw.JsonSchemaType.OBJECT,
      },
    });

    const functions = new Construct(this, 'Routes');
    for (const route of props.routes) {
      const { needs } = route;
      const integrationSeconds = route.streaming
        ? route.timeoutSeconds
        : Math.min(route.timeoutSeconds, BUFFERED_INTEGRATION_MAX_SECONDS);
      const fn = new AppFunction(functions, route.id, {
        id: route.id,
        entry: entryFor(route),
        projectRoot,
        memoryMb: route.memoryMb,
        timeoutSeconds: route.timeoutSeconds,
        description: `${route.method} ${route.path}`,
        stage,
        network: needsVpc(needs, stage) ? data.functionNetwork : undefined,
      });
      // The agent must finish (and the answer be stored) inside what the caller can wait for.
      bindNeeds(fn, needs, data, stage, integrationSeconds);
      const integration = new apigw.LambdaIntegration(fn.fn, {
        proxy: true,
        allowTestInvoke: false,
        timeout: Duration.seconds(integrationSeconds),
        responseTransferMode: route.streaming ? apigw.ResponseTransferMode.STREAM : undefined,
      });
      const pathParams = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      const method = this.api.root.resourceForPath(route.path).addMethod(route.method, integration, {
        operationName: route.id,
        apiKeyRequired: stage.apiKeyRequired,
        requestParameters: Object.fromEntries(pathParams.map((p) => [`method.request.path.${p}`, true])),
        requestValidator: validator,
        requestModels:
          route.method === 'POST' || route.method === 'PUT' ? { 'application/json': jsonObject } : undefined,
      });
      this.routeFunctions.push({ route, fn, method });
    }

    if (stage.apiKeyRequired) {
      // Per-key throttle and daily quota: meaningful only because every method requires a key of this plan.
      this.usagePlan = this.api.addUsagePlan('UsagePlan', {
        name: `${SERVICE_NAME}-${stage.stage}`,
        description: 'Per-client throttle and daily quota for the API keys of this plan',
        throttle: { rateLimit: stage.apiThrottleRateLimit, burstLimit: stage.apiThrottleBurstLimit },
        quota: { limit: stage.apiQuotaPerDay, period: apigw.Period.DAY },
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
      });
      this.usagePlan.addApiKey(
        this.api.addApiKey('DefaultClientKey', { apiKeyName: `${SERVICE_NAME}-${stage.stage}-default` }),
      );
    }

    if (stage.wafWebAclArn) {
      const association = new wafv2.CfnWebACLAssociation(this, 'WebAcl', {
        resourceArn: this.api.deploymentStage.stageArn,
        webAclArn: stage.wafWebAclArn,
      });
      association.node.addDependency(this.api.deploymentStage);
    } else if (stage.waf) {
      this.webAcl = new ApiWebAcl(this, 'Waf', {
        stage,
        apiStage: this.api.deploymentStage,
        sensitivePaths: props.routes.filter((r) => r.id === 'auth-login').map((r) => r.path),
      });
    } else {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason: `Stage ${stage.stage} has no web ACL by choice (cdk.json waf: false; a web ACL with its managed rule groups costs a fixed monthly fee per stage). Its load is bounded by per-method throttles (each route a share of ${stage.apiThrottleRateLimit} rps), in-function JWT checks and the functions' 64 KB body limit. Turn it on with -c waf=true, or associate an existing ACL with -c wafWebAclArn=...`,
      });
    }
    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'Authorization happens in each function: the core verifies the JWT (HS256, jose) before any work; /auth/login and CORS preflight are public by design, and /health answers anyone only {status, version} (the dependency details need an admin JWT). See docs/deploy.md.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-level API Gateway logging role uses the policy AWS documents for it (CloudWatch Logs write for execution logs of every API in the account).',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Users sign in through POST /api/v1/auth/login (own user table), not Cognito; JWTs are verified in-function.',
      },
    );

    // The analysis worker: SQS batches, partial batch failures, bounded concurrency.
    this.worker = new AppFunction(this, 'AnalysisWorker', {
      id: ANALYSIS_WORKER.id,
      entry: entryFor(ANALYSIS_WORKER),
      projectRoot,
      memoryMb: ANALYSIS_WORKER.memoryMb,
      timeoutSeconds: ANALYSIS_WORKER.timeoutSeconds,
      description: 'Runs long analyses from the analysis queue',
      stage,
      network: needsVpc(ANALYSIS_WORKER.needs, stage) ? data.functionNetwork : undefined,
    });
    // Long analyses: the agent may use (nearly) the worker's whole time-out.
    bindNeeds(this.worker, ANALYSIS_WORKER.needs, data, stage, ANALYSIS_WORKER.timeoutSeconds);
    this.worker
      .setEnv('JOBS_MAX_RECEIVE_COUNT', String(ANALYSIS_MAX_RECEIVE_COUNT))
      .setEnv('JOBS_LEASE_SECONDS', String(ANALYSIS_WORKER.timeoutSeconds));
    this.worker.fn.addEventSource(
      new lambdaEventSources.SqsEventSource(data.analysisQueue, {
        batchSize: stage.workerBatchSize,
        reportBatchItemFailures: true,
        maxConcurrency: stage.workerMaxConcurrency,
      }),
    );
  }
}

/** In the VPC when the function talks to Postgres or to ElastiCache; otherwise outside (no ENI, no NAT). */
function needsVpc(needs: FunctionNeeds, stage: StageConfig): boolean {
  return needs.db || (needs.cache && stage.cacheProvider === 'elasticache');
}

/**
 * Env vars and grants from what the function touches (runtime/needs.ts says what each need requires; an infra
 * test holds the two in agreement). `budgetSeconds`: how long a caller waits for this function.
 */
function bindNeeds(
  fn: AppFunction,
  needs: FunctionNeeds,
  data: DataStack,
  stage: StageConfig,
  budgetSeconds: number,
): void {
  if (needs.db) {
    // Least privilege by default: a function writes only when its profile says so; the master user is the
    // migration handler's alone.
    const access = needs.dbAccess ?? 'read';
    if (access === 'owner')
      throw new Error(`${fn.id}: only the migration handler connects as the master user`);
    fn.bindDatabase(access === 'write' ? data.database.writeBinding : data.database.readBinding);
  }
  if (needs.cache) {
    fn.bindCache(data.cache.binding);
    // the local share each instance enforces when Redis cannot answer
    fn.setEnv('RATE_LIMIT_INSTANCES', String(stage.rateLimitInstances));
  }
  if (needs.jwt) fn.bindSecret('JWT_SECRET_ARN', data.jwtSecret);
  if (needs.llm || needs.llmKey) {
    fn.setEnv('LLM_PROVIDER', stage.llmProvider);
    fn.bindSecret('ANTHROPIC_API_KEY_SECRET_ARN', data.anthropicSecret);
  }
  if (needs.llm) fn.setEnv('AGENT_DEADLINE_MS', String(agentDeadlineMs(budgetSeconds)));
  if (needs.embeddings) fn.bindEmbeddings(stage.embeddingsProvider);
  if (needs.jobs) {
    fn.bindTable('JOBS_TABLE', data.jobsTable, needs.jobs).setEnv(
      'JOBS_VISIBILITY_TIMEOUT_SECONDS',
      String(ANALYSIS_QUEUE_VISIBILITY_SECONDS),
    );
  }
  if (needs.enqueue) fn.bindQueueSender('ANALYSIS_QUEUE_URL', data.analysisQueue);
}
