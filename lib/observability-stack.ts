import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { ApiStack } from './api-stack';
import { auroraPgMaxConnections } from './aurora-connections';
import type { StageConfig } from './config';
import { CACHE_LEVELS, EMF, KPI, SERVICE_NAME } from './constants';
import type { AppFunction } from './constructs/app-function';
import type { DataStack } from './data-stack';
import {
  apiMethodMetric,
  apiMetric,
  cacheHitRatio,
  emfMetric,
  emfSearch,
  KPI_PERIOD,
  proxyMetric,
  sqsMetric,
} from './observability/metrics';

export interface ObservabilityStackProps extends StackProps {
  stage: StageConfig;
  api: ApiStack;
  data: DataStack;
}

const FULL = 24;
const THIRD = 8;
const HALF = 12;
const QUARTER = 6;
const HEIGHT = 6;

/**
 * The KPI dashboard and the alarms at the KPI thresholds, notifying an SNS topic (KMS-encrypted; CloudWatch
 * may use the key). EMF metric names and dimensions are in lib/constants.ts and docs/deploy.md.
 */
export class ObservabilityStack extends Stack {
  readonly dashboard: cw.Dashboard;
  readonly alarmTopic: sns.Topic;
  readonly alarms: cw.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { stage, api, data } = props;
    const apiName = api.api.restApiName;
    const stageName = stage.stage;
    const routes = api.routeFunctions;
    const functions: AppFunction[] = [...routes.map((r) => r.fn), api.worker, data.migration.handler];
    const queueName = data.analysisQueue.queueName;
    const dlqName = data.analysisDlq.queueName;
    const proxyName = data.database.proxy?.dbProxyName;
    const cluster = data.database.cluster;
    // No proxy: every warm instance holds its own connection, so the connections themselves are the limit.
    const maxConnections = auroraPgMaxConnections(stage.auroraMinAcu, stage.auroraMaxAcu);
    const connectionsAlarmAt = Math.floor((maxConnections * KPI.auroraConnectionsPct) / 100);

    // --- alarm topic ---------------------------------------------------------------------------------------
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: `${SERVICE_NAME} ${stage.stage} alarm topic`,
      enableKeyRotation: true,
    });
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${SERVICE_NAME} ${stage.stage} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    if (stage.alarmEmail)
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(stage.alarmEmail));

    const alarm = (
      id: string,
      metric: cw.IMetric,
      threshold: number,
      description: string,
      opts: {
        evaluationPeriods?: number;
        datapointsToAlarm?: number;
        comparison?: cw.ComparisonOperator;
      } = {},
    ) => {
      const a = new cw.Alarm(this, id, {
        alarmName: `${SERVICE_NAME}-${stage.stage}-${id}`,
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator: opts.comparison ?? cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: opts.evaluationPeriods ?? 3,
        datapointsToAlarm: opts.datapointsToAlarm ?? 2,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
      a.addOkAction(new cwActions.SnsAction(this.alarmTopic));
      this.alarms.push(a);
      return a;
    };

    // --- alarms at the KPI thresholds ----------------------------------------------------------------------
    // Per-route API latency for the routes that do not call Claude; the agent routes have their own KPIs
    // (agent time, LLM latency), and a model call cannot meet a 500 ms budget.
    for (const { route } of routes) {
      if (route.needs.llm) continue;
      const latency = (stat: string) =>
        apiMethodMetric(apiName, stageName, route.method, route.path, 'Latency', stat, route.id);
      alarm(
        `ApiP95-${route.id}`,
        latency('p95'),
        KPI.apiP95Ms,
        `${route.method} ${route.path}: API P95 > 500 ms`,
      );
      alarm(
        `ApiP99-${route.id}`,
        latency('p99'),
        KPI.apiP99Ms,
        `${route.method} ${route.path}: API P99 > 1 s`,
      );
    }
    alarm(
      'Api5xxRate',
      apiMetric(apiName, stageName, '5XXError', 'Average', '5xx rate'),
      KPI.api5xxRate,
      'More than 1% of API requests answered 5xx',
    );
    // Agent KPIs over EVERY analyze request (API and stream; cache hits included), not only agent runs.
    alarm(
      'AgentMean',
      emfMetric(EMF.analyzeTime, 'Average'),
      KPI.agentMeanMs,
      'Analyze time mean > 2 s (all analyze requests)',
    );
    alarm(
      'AgentP95',
      emfMetric(EMF.analyzeTime, 'p95'),
      KPI.agentP95Ms,
      'Analyze time P95 > 5 s (all analyze requests)',
    );
    // One model call, not a whole multi-turn run.
    alarm('LlmP95', emfMetric(EMF.llmCallLatency, 'p95'), KPI.llmP95Ms, 'LLM call latency P95 > 3 s');
    // The statement alone; the wait for a connection is DbConnectTime.
    alarm('DbP95', emfMetric(EMF.dbQueryTime, 'p95'), KPI.dbP95Ms, 'DB query P95 > 100 ms');
    alarm(
      'DbConnectP95',
      emfMetric(EMF.dbConnectTime, 'p95'),
      KPI.dbConnectP95Ms,
      'Waiting for a DB connection P95 > 250 ms (pool or proxy saturated)',
    );
    alarm('VectorP95', emfMetric(EMF.vectorQueryTime, 'p95'), KPI.vectorP95Ms, 'Vector query P95 > 200 ms');
    // Growth, not "not empty": the alarm returns to OK once no new message arrives, so the next one is seen.
    alarm(
      'DlqGrowing',
      new cw.MathExpression({
        expression: 'DIFF(dlq)',
        usingMetrics: {
          dlq: sqsMetric(dlqName, 'ApproximateNumberOfMessagesVisible', 'Maximum', 'DLQ messages'),
        },
        label: 'new DLQ messages',
        period: Duration.minutes(1),
      }),
      0,
      'New analysis messages reached the dead-letter queue',
      { evaluationPeriods: 1, datapointsToAlarm: 1 },
    );
    // Lambda throttles (reserved or account concurrency): a metric-math alarm sums at most 10 metrics.
    const throttled = functions.map((f) => f.fn.metricThrottles({ statistic: 'Sum', period: KPI_PERIOD }));
    for (let i = 0; i < throttled.length; i += 10) {
      const chunk = throttled.slice(i, i + 10);
      const ids = chunk.map((_, j) => `t${j}`);
      alarm(
        `LambdaThrottles${i / 10 + 1}`,
        new cw.MathExpression({
          expression: `SUM([${ids.join(',')}])`,
          usingMetrics: Object.fromEntries(chunk.map((m, j) => [ids[j], m])),
          label: 'throttles',
          period: KPI_PERIOD,
        }),
        0,
        `Lambda throttled invocations (${functions
          .slice(i, i + 10)
          .map((f) => f.id)
          .join(', ')})`,
        { evaluationPeriods: 1, datapointsToAlarm: 1 },
      );
    }
    for (const limit of ['analyze', 'login'] as const) {
      alarm(
        `RateLimited-${limit}`,
        emfMetric(EMF.rateLimited, 'Sum', { limit }),
        KPI.rateLimitedPer5Min,
        `More than ${KPI.rateLimitedPer5Min} ${limit} requests per 5 min answered 429 by the app's rate limit`,
      );
    }
    if (stage.cacheProvider !== 'none') {
      const adapter = stage.cacheProvider === 'upstash' ? 'upstash' : 'redis';
      alarm(
        'CacheBreakerOpen',
        emfMetric(EMF.cacheBreakerOpen, 'Sum', { adapter }),
        0,
        'The L2 cache circuit breaker opened (Redis failing or slow): every request goes to the source',
        { evaluationPeriods: 1, datapointsToAlarm: 1 },
      );
    }
    alarm(
      'AuroraAtMaxCapacity',
      cluster.metric('ACUUtilization', { statistic: 'Maximum', period: KPI_PERIOD }),
      KPI.auroraAcuUtilizationPct,
      `Aurora Serverless v2 at its maximum capacity (${stage.auroraMaxAcu} ACU)`,
      { comparison: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD },
    );
    if (proxyName) {
      alarm(
        'ProxySessionPinning',
        proxyMetric(proxyName, 'DatabaseConnectionsCurrentlySessionPinned', 'Maximum', 'pinned'),
        0,
        'RDS Proxy connections stay pinned (SET, prepared statements, locks on the request path?)',
        { evaluationPeriods: 3, datapointsToAlarm: 3 },
      );
    } else {
      alarm(
        'AuroraConnections',
        cluster.metric('DatabaseConnections', { statistic: 'Maximum', period: KPI_PERIOD }),
        connectionsAlarmAt,
        `Aurora connections above ${KPI.auroraConnectionsPct}% of max_connections (${maxConnections} at ${stage.auroraMaxAcu} ACU maximum): this stage has no RDS Proxy, so each warm function instance holds its own (docs/cost.md)`,
      );
    }

    // --- dashboard -----------------------------------------------------------------------------------------
    this.dashboard = new cw.Dashboard(this, 'Dashboard', {
      dashboardName: `${SERVICE_NAME}-${stage.stage}`,
      defaultInterval: Duration.hours(3),
    });
    const perRoute = (metricName: string, stat: string) =>
      routes.map(({ route }) =>
        apiMethodMetric(apiName, stageName, route.method, route.path, metricName, stat, route.id),
      );
    const line = (value: number, label: string): cw.HorizontalAnnotation => ({
      value,
      label,
      color: '#d62728',
    });
    const perFunction = (metricName: string, statistic: string) =>
      functions.map((f) => f.fn.metric(metricName, { statistic, period: KPI_PERIOD, label: f.id }));

    this.dashboard.addWidgets(
      new cw.TextWidget({
        markdown: `# ${SERVICE_NAME} (${stage.stage}) KPIs\nAPI P95 ≤ ${KPI.apiP95Ms} ms · P99 ≤ ${KPI.apiP99Ms} ms · analyze mean ≤ ${KPI.agentMeanMs} ms, P95 ≤ ${KPI.agentP95Ms} ms · LLM call P95 ≤ ${KPI.llmP95Ms} ms · DB P95 ≤ ${KPI.dbP95Ms} ms · vector P95 ≤ ${KPI.vectorP95Ms} ms · 5xx ≤ ${KPI.api5xxRate * 100}% · DLQ not growing · no throttles`,
        width: FULL,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'API latency P50 by route (ms)',
        left: perRoute('Latency', 'p50'),
        width: THIRD,
        height: HEIGHT,
      }),
      new cw.GraphWidget({
        title: 'API latency P95 by route (ms)',
        left: perRoute('Latency', 'p95'),
        leftAnnotations: [line(KPI.apiP95Ms, 'P95 KPI')],
        width: THIRD,
        height: HEIGHT,
      }),
      new cw.GraphWidget({
        title: 'API latency P99 by route (ms)',
        left: perRoute('Latency', 'p99'),
        leftAnnotations: [line(KPI.apiP99Ms, 'P99 KPI')],
        width: THIRD,
        height: HEIGHT,
      }),
    );
    this.dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'RequestLatency P95 by route (EMF, ms)',
        left: routes.map(({ route }) => emfMetric(EMF.requestLatency, 'p95', { route: route.id }, route.id)),
        leftAnnotations: [line(KPI.apiP95Ms, 'P95 KPI')],
        width: THIRD,
        height: HEIGHT,
      }),
      new cw.GraphWidget({
        title: 'API requests and errors',
        left: [
          apiMetric(apiName, stageName, 'Count', 'Sum', 'requests'),
          apiMetric(apiName, stageName, '4XXError', 'Sum', '4xx'),
          apiMetric(apiName, stageName, '5XXError', 'Sum', '5xx'),
        ],
        width: THIRD,
        height: HEIGHT,
      }),
      new cw.GraphWidget({
        title: '5xx rate',
        left: [apiMetric(apiName, stageName, '5XXError', 'Average', '5xx rate')],
        leftAnnotations: [line(KPI.api5xxRate, '5xx KPI')],
        width: THIRD,
        height: HEIGHT,
      }),
    );
    this.dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'Analyze time mean / P95, all requests (ms)',
        left: [
          emfMetric(EMF.analyzeTime, 'Average', {}, 'mean'),
          emfMetric(EMF.analyzeTime, 'p95', {}, 'p95'),
          emfMetric(EMF.agentTime, 'p95', {}, 'agent runs p95'),
        ],
        leftAnnotations: [line(KPI.agentMeanMs, 'mean KPI'), line(KPI.agentP95Ms, 'P95 KPI')],
        width: QUARTER,
        height: HEIGHT,
      }),
      new cw.GraphWidget({
        title: 'LLM call latency P95 (ms)',
        left: [
          emfMetric(EMF.llmCallLatency, 'p95', {}, 'p95'),
          emfMetric(EMF.llmCallLatency, 'p50', {}, 'p50'),
        ],
        leftAnnotations: [line(KPI.llmP95Ms, 'P95 KPI')],
        width: QUARTER,
        height: HEIGHT,
      }),
      new cw.GraphWidget({
        title: 'LLM tokens by type',
        left: [emfSearch(EMF.llmTokens, ['type'], 'Sum', 'tokens')],
        stacked: true,
        width: QUARTER,
        height: HEIGHT,
      }),
      new cw.GraphWidget({
        title: 'LLM cost (USD)',
        left: [emfMetric(EMF.llmCostUsd, 'Sum', {}, 'cost USD')],
        width: QUARTER,
        height: HEIGHT,
      }),
    );
    this.dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'Skill duration P95 by skill (ms)',
        left: [emfSearch(EMF.skillDuration, ['skill'], 'p95', 'skill p95')],
        width: THIRD,
        height: HEIGHT,
      }),
      new cw.GraphWidget({
        title: 'Cache hit ratio by level (%)',
        left: CACHE_LEVELS.map((level) => cacheHitRatio(level)),
        leftYAxis: { min: 0, max: 100 },
        width: THIRD,
        height: HEIGHT,
      }),
      new cw.GraphWidget({
        title: 'Cache hits / misses by level and kind',
        left: [emfSearch(EMF.cacheHit, ['kind', 'level'], 'Sum', 'hits')],
        right: [emfSearch(EMF.cacheMiss, ['kind', 'level'], 'Sum', 'misses')],
        width: THIRD,
        height: HEIGHT,
      }),
    );
    this.dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'Lambda duration P95 (ms)',
        left: perFunction('Duration', 'p95'),
        width: QUARTER,
        height: HEIGHT,
      }),
      new cw.GraphWidget({
        title: 'Lambda errors',
        left: perFunction('Errors', 'Sum'),
        width: QUARTER,
        height: HEIGHT,
      }),
      new cw.GraphWidget({
        title: 'Lambda throttles',
        left: perFunction('Throttles', 'Sum'),
        width: QUARTER,
        height: HEIGHT,
      }),
      new cw.GraphWidget({
        title: 'Concurrent executions (active requests)',
        left: perFunction('ConcurrentExecutions', 'Maximum'),
        width: QUARTER,
        height: HEIGHT,
      }),
    );
    this.dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'Cold starts (Powertools ColdStart)',
        left: [emfSearch(EMF.coldStart, ['function_name'], 'Sum', 'cold starts')],
        width: HALF,
        height: HEIGHT,
      }),
      new cw.LogQueryWidget({
        title: 'Init duration (cold starts) by function, ms',
        logGroupNames: functions.map((f) => f.logGroup.logGroupName),
        view: cw.LogQueryVisualizationType.TABLE,
        queryLines: [
          'filter type = "platform.report" and ispresent(record.metrics.initDurationMs)',
          'stats count(*) as coldStarts, pct(record.metrics.initDurationMs, 50) as initP50, pct(record.metrics.initDurationMs, 95) as initP95, pct(record.metrics.durationMs, 95) as durationP95 by @log',
        ],
        width: HALF,
        height: HEIGHT,
      }),
    );
    this.dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'Analysis queue depth',
        left: [
          sqsMetric(queueName, 'ApproximateNumberOfMessagesVisible', 'Maximum', 'visible'),
          sqsMetric(queueName, 'ApproximateNumberOfMessagesNotVisible', 'Maximum', 'in flight'),
        ],
        width: QUARTER,
        height: HEIGHT,
      }),
      new cw.GraphWidget({
        title: 'Age of oldest message (s)',
        left: [sqsMetric(queueName, 'ApproximateAgeOfOldestMessage', 'Maximum', 'oldest')],
        width: QUARTER,
        height: HEIGHT,
      }),
      new cw.GraphWidget({
        title: 'DLQ depth',
        left: [sqsMetric(dlqName, 'ApproximateNumberOfMessagesVisible', 'Maximum', 'DLQ')],
        leftAnnotations: [line(1, 'not empty')],
        width: QUARTER,
        height: HEIGHT,
      }),
      new cw.GraphWidget({
        title: 'Queue lag P95 (ms, EMF)',
        left: [emfMetric(EMF.queueLag, 'p95', {}, 'p95'), emfMetric(EMF.queueLag, 'Maximum', {}, 'max')],
        width: QUARTER,
        height: HEIGHT,
      }),
    );
    this.dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'DB query / connection wait P95 (ms)',
        left: [
          emfMetric(EMF.dbQueryTime, 'p95', {}, 'query p95'),
          emfMetric(EMF.dbConnectTime, 'p95', {}, 'connection wait p95'),
        ],
        leftAnnotations: [line(KPI.dbP95Ms, 'P95 KPI')],
        width: QUARTER,
        height: HEIGHT,
      }),
      new cw.GraphWidget({
        title: 'Vector query P95 (ms)',
        left: [emfMetric(EMF.vectorQueryTime, 'p95', {}, 'vector p95')],
        leftAnnotations: [line(KPI.vectorP95Ms, 'P95 KPI')],
        width: QUARTER,
        height: HEIGHT,
      }),
      proxyName
        ? new cw.GraphWidget({
            title: 'RDS Proxy connections',
            left: [
              proxyMetric(
                proxyName,
                'DatabaseConnectionsCurrentlySessionPinned',
                'Maximum',
                'session pinned',
              ),
              proxyMetric(proxyName, 'ClientConnections', 'Maximum', 'client'),
              proxyMetric(proxyName, 'DatabaseConnections', 'Maximum', 'database'),
            ],
            width: QUARTER,
            height: HEIGHT,
          })
        : new cw.GraphWidget({
            title: 'Aurora connections (no RDS Proxy)',
            left: [
              cluster.metric('DatabaseConnections', {
                statistic: 'Maximum',
                period: KPI_PERIOD,
                label: 'connections',
              }),
            ],
            leftAnnotations: [line(connectionsAlarmAt, `${KPI.auroraConnectionsPct}% of max_connections`)],
            width: QUARTER,
            height: HEIGHT,
          }),
      new cw.GraphWidget({
        title: 'Aurora capacity (ACU)',
        left: [
          cluster.metric('ServerlessDatabaseCapacity', {
            statistic: 'Maximum',
            period: KPI_PERIOD,
            label: 'ACU',
          }),
        ],
        width: QUARTER,
        height: HEIGHT,
      }),
    );
    this.dashboard.addWidgets(
      new cw.AlarmStatusWidget({ title: 'KPI alarms', alarms: this.alarms, width: FULL, height: 4 }),
    );
  }
}
