import type { CfnResource as CdkCfnResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppFunction } from '../../lib/constructs/app-function';
import { ANALYSIS_MAX_RECEIVE_COUNT } from '../../lib/functions';
import { acknowledgements, nagFindings, type Synthesized, synthesize } from './support/synth';
import {
  asArray,
  dashboardBody,
  iamStatements,
  joinParts,
  ofType,
  refTarget,
  resolveStackOutput,
  resources,
} from './support/template';

/**
 * One synth of the real tree (functions/routes.ts, every handler bundled by the local esbuild, dev stage from
 * cdk.json) shared by every assertion in this file.
 */
let s: Synthesized;

const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CdkCfnResource);
const fnLogicalId = (f: AppFunction) => logicalId(f.fn.stack, f.fn);

beforeAll(() => {
  s = synthesize();
  console.log(
    `[infra] synth of 3 stacks, ${s.routes.length} routes + worker + migration (bundled): ${Math.round(s.synthMs)} ms` +
      (s.addedRoutes.length > 0
        ? `; test-only routes: ${s.addedRoutes.map((a) => `${a.route.id} (${a.reason})`).join(', ')}`
        : ''),
  );
}, 180_000);
afterAll(() => s?.cleanup());

/** API Gateway resource logical id → full path. */
function resourcePaths(): Map<string, string> {
  const all = resources(s.api);
  const paths = new Map<string, string>();
  const pathOf = (id: string): string => {
    const known = paths.get(id);
    if (known !== undefined) return known;
    const r = all[id];
    if (!r) throw new Error(`no resource ${id}`);
    const parent = r.Properties?.ParentId as Record<string, unknown>;
    const parentPath = parent['Fn::GetAtt'] ? '' : pathOf(refTarget(parent)!);
    const p = `${parentPath}/${r.Properties?.PathPart as string}`;
    paths.set(id, p);
    return p;
  };
  for (const [id] of ofType(s.api, 'AWS::ApiGateway::Resource')) pathOf(id);
  return paths;
}

interface MethodInfo {
  method: string;
  path: string;
  functionId: string;
  integration: Record<string, unknown>;
}

function apiMethods(): MethodInfo[] {
  const paths = resourcePaths();
  return ofType(s.api, 'AWS::ApiGateway::Method')
    .filter(([, m]) => m.Properties?.HttpMethod !== 'OPTIONS')
    .map(([, m]) => {
      const resourceId = m.Properties?.ResourceId as Record<string, unknown>;
      const path = resourceId['Fn::GetAtt'] ? '/' : paths.get(refTarget(resourceId)!)!;
      const integration = m.Properties?.Integration as Record<string, unknown>;
      const fnPart = joinParts(integration.Uri).find((p) => (p as Record<string, unknown>)?.['Fn::GetAtt']);
      return {
        method: m.Properties?.HttpMethod as string,
        path,
        functionId: refTarget(fnPart)!,
        integration,
      };
    });
}

function functionProps(id: string): Record<string, unknown> {
  const fn = resources(s.api)[id] ?? resources(s.data)[id];
  if (fn?.Type !== 'AWS::Lambda::Function') throw new Error(`${id} is not a function`);
  return fn.Properties ?? {};
}

function env(id: string): Record<string, unknown> {
  return ((functionProps(id).Environment as { Variables?: Record<string, unknown> })?.Variables ??
    {}) as Record<string, unknown>;
}

describe('API routes', () => {
  it('maps every route of functions/routes.ts to its own function, and nothing else', () => {
    const methods = apiMethods();
    expect(methods.map((m) => `${m.method} ${m.path}`).sort()).toEqual(
      s.routes.map((r) => `${r.method} ${r.path}`).sort(),
    );
    const functionIds = new Set(methods.map((m) => m.functionId));
    expect(functionIds.size).toBe(s.routes.length);
  });

  it('runs each route on Node.js 22, arm64, with the memory and timeout of the route table', () => {
    const methods = apiMethods();
    for (const route of s.routes) {
      const m = methods.find((x) => x.method === route.method && x.path === route.path);
      expect(m, route.id).toBeDefined();
      const props = functionProps(m!.functionId);
      expect(props, route.id).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: route.memoryMb,
        Timeout: route.timeoutSeconds,
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON' },
      });
      expect(props.FunctionName).toBe(`ceo-agent-dev-${route.id}`);
    }
  });

  it('integrates the streaming route in STREAM mode and the others buffered', () => {
    const methods = apiMethods();
    const streaming = s.routes.filter((r) => r.streaming);
    expect(streaming.length).toBeGreaterThan(0);
    for (const route of s.routes) {
      const m = methods.find((x) => x.method === route.method && x.path === route.path)!;
      const uriTail = joinParts(m.integration.Uri).at(-1);
      if (route.streaming) {
        expect(m.integration.ResponseTransferMode, route.id).toBe('STREAM');
        expect(uriTail).toMatch(/\/response-streaming-invocations$/);
        expect(m.integration.TimeoutInMillis).toBe(route.timeoutSeconds * 1000);
      } else {
        expect(m.integration.ResponseTransferMode ?? 'BUFFERED', route.id).toBe('BUFFERED');
        expect(uriTail).toMatch(/\/invocations$/);
        expect(m.integration.TimeoutInMillis as number).toBeLessThanOrEqual(29_000);
      }
      expect(m.integration.Type).toBe('AWS_PROXY');
    }
  });

  it('gives every function its own log group with a retention, and the Powertools env', () => {
    const groups = Object.fromEntries(ofType(s.api, 'AWS::Logs::LogGroup'));
    for (const { fn } of s.stacks.api.routeFunctions) {
      const id = fnLogicalId(fn);
      const logGroupRef = (functionProps(id).LoggingConfig as { LogGroup: unknown }).LogGroup;
      const group = groups[refTarget(logGroupRef)!];
      expect(group?.Properties?.RetentionInDays, fn.id).toBe(14);
      expect(env(id)).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'ceo-agent',
        POWERTOOLS_METRICS_NAMESPACE: 'CeoAgent',
        POWERTOOLS_LOG_LEVEL: 'DEBUG',
        NODE_OPTIONS: '--enable-source-maps',
        STAGE: 'dev',
      });
    }
  });

  it('has stage and per-method throttling, access logs and X-Ray, and no usage plan without API keys', () => {
    s.api.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'dev',
      TracingEnabled: true,
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('responseLatencyMs'),
      },
      MethodSettings: Match.arrayWith([
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
          MetricsEnabled: true,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        },
      ]),
    });
    const [, stage] = ofType(s.api, 'AWS::ApiGateway::Stage')[0]!;
    // the stage-wide entry plus one per route (edge.test.ts checks the values)
    expect((stage.Properties!.MethodSettings as unknown[]).length).toBe(1 + s.routes.length);
    // dev has apiKeyRequired: false, so a usage plan would meter nothing
    expect(ofType(s.api, 'AWS::ApiGateway::UsagePlan')).toEqual([]);
    expect(ofType(s.api, 'AWS::ApiGateway::ApiKey')).toEqual([]);
  });
});

describe('analysis worker and queue', () => {
  it('consumes the analysis queue with partial batch failures and bounded concurrency (2 agent runs at once in dev)', () => {
    const workerId = fnLogicalId(s.stacks.api.worker);
    const [, mapping] = ofType(s.api, 'AWS::Lambda::EventSourceMapping')[0]!;
    expect(refTarget(mapping.Properties?.FunctionName)).toBe(workerId);
    expect(mapping.Properties).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
      // records run one at a time per instance, each with an agent deadline near the whole time-out: one per batch
      BatchSize: 1,
    });
    const queueId = refTarget(resolveStackOutput(mapping.Properties?.EventSourceArn, s.data));
    expect(queueId).toBe(logicalId(s.stacks.data, s.stacks.data.analysisQueue));
  });

  it('sends poison messages to a DLQ after 3 receives, with visibility ≥ 6× the worker timeout', () => {
    const queue = resources(s.data)[logicalId(s.stacks.data, s.stacks.data.analysisQueue)]!;
    const dlqId = logicalId(s.stacks.data, s.stacks.data.analysisDlq);
    const redrive = queue.Properties?.RedrivePolicy as {
      maxReceiveCount: number;
      deadLetterTargetArn: unknown;
    };
    expect(redrive.maxReceiveCount).toBe(3);
    expect(ANALYSIS_MAX_RECEIVE_COUNT).toBe(3);
    expect(refTarget(redrive.deadLetterTargetArn)).toBe(dlqId);
    const workerTimeout = functionProps(fnLogicalId(s.stacks.api.worker)).Timeout as number;
    expect(queue.Properties?.VisibilityTimeout as number).toBeGreaterThanOrEqual(6 * workerTimeout);
    for (const q of [queue, resources(s.data)[dlqId]!]) {
      expect(q.Properties?.SqsManagedSseEnabled).toBe(true);
    }
    // enforceSSL: a queue policy denies every request without TLS, on both queues
    const denied = ofType(s.data, 'AWS::SQS::QueuePolicy').flatMap(([, p]) =>
      (p.Properties!.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement.filter(
        (st) =>
          st.Effect === 'Deny' &&
          JSON.stringify(st.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
      ).map(() => (p.Properties!.Queues as unknown[]).map(refTarget)),
    );
    expect(denied.flat().sort()).toEqual(
      [dlqId, logicalId(s.stacks.data, s.stacks.data.analysisQueue)].sort(),
    );
  });

  it('keeps jobs (and their Idempotency-Keys) in one on-demand table with TTL and point-in-time recovery', () => {
    const tables = ofType(s.data, 'AWS::DynamoDB::GlobalTable').map(([, t]) => t.Properties!);
    const jobs = tables.find((t) => JSON.stringify(t.KeySchema).includes('task_id'));
    expect(jobs).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      Replicas: [{ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }],
    });
    // no unused Powertools idempotency table
    expect(tables).toHaveLength(1);
  });
});

describe('Postgres (dev: no RDS Proxy; database-path.test.ts checks the path of both stages)', () => {
  it('lets only the migration handler connect as the master user, directly, with the RDS-managed password', () => {
    const migration = s.stacks.data.migration.handler;
    const e = env(fnLogicalId(migration));
    const clusterId = logicalId(s.stacks.data, s.stacks.data.database.cluster);
    expect(joinParts(e.DATABASE_URL)).toEqual([
      'postgresql://ceo_admin@',
      { 'Fn::GetAtt': [clusterId, 'Endpoint.Address'] },
      ':5432/ceo_agent',
    ]);
    expect(e.DB_MASTER_SECRET_ARN).toEqual({ 'Fn::GetAtt': [clusterId, 'MasterUserSecret.SecretArn'] });
    expect(e.DB_IAM_AUTH).toBeUndefined();
    s.data.hasResourceProperties('AWS::RDS::DBCluster', {
      ManageMasterUserPassword: true,
      MasterUsername: 'ceo_admin',
    });
    const [, cluster] = ofType(s.data, 'AWS::RDS::DBCluster')[0]!;
    expect(cluster.Properties?.MasterUserPassword).toBeUndefined();
    // no function but the migration handler reads the master secret; nobody may IAM-connect as the master user
    const statements = [...iamStatements(s.api), ...iamStatements(s.data)];
    const migrationRole = logicalId(s.stacks.data, migration.role);
    let masterReads = 0;
    for (const { roles, statement } of statements) {
      const text = JSON.stringify(statement.Resource);
      if (text.includes('MasterUserSecret')) {
        expect(roles).toEqual([migrationRole]);
        masterReads++;
      }
      if (asArray(statement.Action).includes('rds-db:connect')) expect(text).not.toContain('ceo_admin');
    }
    expect(masterReads).toBeGreaterThan(0);
  });

  it('matches the route needs: DATABASE_URL exactly where a route touches Postgres, with rds-db:connect for its role', () => {
    const statements = [...iamStatements(s.api), ...iamStatements(s.data)];
    for (const { route, fn } of s.stacks.api.routeFunctions) {
      const id = fnLogicalId(fn);
      const wantsDb = route.needs.db;
      expect(env(id).DATABASE_URL !== undefined, route.id).toBe(wantsDb);
      const roleId = logicalId(fn.role.stack, fn.role);
      const connect = statements.filter(
        (x) => x.roles.includes(roleId) && asArray(x.statement.Action).includes('rds-db:connect'),
      );
      expect(connect.length > 0, route.id).toBe(wantsDb);
      const user = route.needs.dbAccess === 'write' ? '/ceo_app' : '/ceo_readonly';
      for (const c of connect) expect(JSON.stringify(c.statement.Resource), route.id).toContain(user);
    }
  });

  it('runs the dev Aurora at 0 ACU with auto-pause, encrypted, behind its own security group', () => {
    const databaseSg = logicalId(s.stacks.data, s.stacks.data.network.databaseSg);
    s.data.hasResourceProperties('AWS::RDS::DBCluster', {
      VpcSecurityGroupIds: [{ 'Fn::GetAtt': [databaseSg, 'GroupId'] }],
      StorageEncrypted: true,
      Engine: 'aurora-postgresql',
      EnableIAMDatabaseAuthentication: true,
      // dev: 0 ACU and auto-pause after 10 idle minutes (no compute billed at idle; docs/cost.md)
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 600 },
    });
    // nothing billed for a proxy in dev
    expect(ofType(s.data, 'AWS::RDS::DBProxy')).toEqual([]);
  });
});

describe('least privilege', () => {
  const ALLOWED_ON_ANY_RESOURCE = new Set([
    // Lambda VPC networking: the ENI actions take no narrower resource for the function's own ENIs
    'ec2:CreateNetworkInterface',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSubnets',
    'ec2:DeleteNetworkInterface',
    'ec2:AssignPrivateIpAddresses',
    'ec2:UnassignPrivateIpAddresses',
    // X-Ray active tracing: PutTraceSegments/PutTelemetryRecords have no resource types
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
  ]);

  it('scopes every IAM statement to resources, except the actions AWS cannot scope', () => {
    const offenders: string[] = [];
    for (const t of [s.data, s.api, s.observability]) {
      for (const { where, statement } of iamStatements(t)) {
        if (!asArray(statement.Resource).includes('*')) continue;
        for (const action of asArray(statement.Action)) {
          if (!ALLOWED_ON_ANY_RESOURCE.has(action)) offenders.push(`${where}: ${action}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('has no wildcard actions', () => {
    const wild = [s.data, s.api, s.observability]
      .flatMap((t) => iamStatements(t))
      .flatMap(({ where, statement }) =>
        asArray(statement.Action)
          .filter((a) => a.includes('*') && !a.endsWith(':GenerateDataKey*'))
          .map((a) => `${where}: ${a}`),
      );
    expect(wild).toEqual([]);
  });

  it('passes credentials only as Secrets Manager ARNs, never as values', () => {
    const secretIds = new Set(ofType(s.data, 'AWS::SecretsManager::Secret').map(([id]) => id));
    const fns = [...ofType(s.api, 'AWS::Lambda::Function'), ...ofType(s.data, 'AWS::Lambda::Function')];
    let secretRefs = 0;
    for (const [id, fn] of fns) {
      const vars = (fn.Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables ?? {};
      for (const [name, value] of Object.entries(vars)) {
        if (/SECRET|TOKEN|PASSWORD|API_KEY/.test(name)) {
          expect(name, `${id}.${name}`).toMatch(/_ARN$/);
          const resolved = resolveStackOutput(value, s.data) ?? value;
          const target = refTarget(resolved);
          // a secret of the stack, or the master secret RDS manages for the cluster
          const rdsManaged =
            JSON.stringify(resolved).includes('MasterUserSecret.SecretArn') &&
            target === logicalId(s.stacks.data, s.stacks.data.database.cluster);
          expect(secretIds.has(target ?? '') || rdsManaged, `${id}.${name}`).toBe(true);
          secretRefs++;
        }
        expect(JSON.stringify(value)).not.toMatch(/password=|:\/\/[^@/]+:[^@/]+@/i);
      }
    }
    expect(secretRefs).toBeGreaterThan(0);
  });

  it('gives the JWT secret to the routes that verify or sign tokens, the Anthropic key only to LLM users (and /health, which reports it)', () => {
    for (const { route, fn } of s.stacks.api.routeFunctions) {
      const e = env(fnLogicalId(fn));
      const { needs } = route;
      expect(e.JWT_SECRET_ARN !== undefined, route.id).toBe(needs.jwt);
      expect(e.ANTHROPIC_API_KEY_SECRET_ARN !== undefined, route.id).toBe(needs.llm || needs.llmKey === true);
    }
  });
});

describe('observability', () => {
  it('has the KPI widgets on the dashboard', () => {
    const body = dashboardBody(s.observability);
    const titles = body.widgets.map((w) => String(w.properties.title ?? ''));
    const text = JSON.stringify(body);
    for (const title of [
      'API latency P50 by route (ms)',
      'API latency P95 by route (ms)',
      'API latency P99 by route (ms)',
      'Analyze time mean / P95, all requests (ms)',
      'LLM call latency P95 (ms)',
      'LLM tokens by type',
      'LLM cost (USD)',
      'Skill duration P95 by skill (ms)',
      'Cache hit ratio by level (%)',
      'Lambda duration P95 (ms)',
      'Lambda errors',
      'Lambda throttles',
      'Concurrent executions (active requests)',
      'Init duration (cold starts) by function, ms',
      'Analysis queue depth',
      'Age of oldest message (s)',
      'DLQ depth',
      'DB query / connection wait P95 (ms)',
      'Aurora connections (no RDS Proxy)',
    ]) {
      expect(titles, title).toContain(title);
    }
    for (const metric of [
      'RequestLatency',
      'AgentTime',
      'AnalyzeTime',
      'LlmCallLatency',
      'DbConnectTime',
      'LlmTokens',
      'LlmCostUsd',
      'SkillDuration',
      'CacheHit',
      'CacheMiss',
      'DbQueryTime',
      'VectorQueryTime',
      'QueueLag',
      'DatabaseConnections',
      'ApproximateAgeOfOldestMessage',
      'ConcurrentExecutions',
      'initDurationMs',
    ]) {
      expect(text, metric).toContain(metric);
    }
    // per-route API Gateway latency at the three percentiles, for every route
    const latency = body.widgets.find((w) => w.properties.title === 'API latency P95 by route (ms)')!;
    const lines = latency.properties.metrics as unknown[][];
    expect(lines.map((l) => `${l[5]} ${l[7]}`).sort()).toEqual(
      s.routes.map((r) => `${r.method} ${r.path}`).sort(),
    );
    expect(lines.every((l) => (l.at(-1) as { stat: string }).stat === 'p95')).toBe(true);
    // cache hit ratio per level
    const ratio = body.widgets.find((w) => w.properties.title === 'Cache hit ratio by level (%)')!;
    expect(JSON.stringify(ratio)).toMatch(/level=\\"l1\\"[\s\S]*level=\\"l2\\"[\s\S]*level=\\"semantic\\"/);
  });

  function alarmsBy(predicate: (p: Record<string, unknown>) => boolean): Record<string, unknown>[] {
    return ofType(s.observability, 'AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties!)
      .filter(predicate);
  }
  /** Metric name and statistic whether the alarm is in the simple or the Metrics[] form. */
  function alarmMetric(p: Record<string, unknown>): { name: string; stat: string; ns: string } {
    const m = (
      p.Metrics as { MetricStat?: { Metric: { MetricName: string; Namespace: string }; Stat: string } }[]
    )?.[0]?.MetricStat;
    if (m) return { name: m.Metric.MetricName, stat: m.Stat, ns: m.Metric.Namespace };
    return {
      name: p.MetricName as string,
      stat: (p.ExtendedStatistic ?? p.Statistic) as string,
      ns: p.Namespace as string,
    };
  }
  const named = (suffix: string) => (p: Record<string, unknown>) => String(p.AlarmName).endsWith(suffix);

  it('alarms at the KPI thresholds', () => {
    const expectations: [string, string, string, string, number][] = [
      // agent KPIs over every analyze request (AnalyzeTime), not only agent runs (AgentTime)
      ['-AgentMean', 'CeoAgent', 'AnalyzeTime', 'Average', 2000],
      ['-AgentP95', 'CeoAgent', 'AnalyzeTime', 'p95', 5000],
      // one model call, not a multi-turn run
      ['-LlmP95', 'CeoAgent', 'LlmCallLatency', 'p95', 3000],
      ['-DbP95', 'CeoAgent', 'DbQueryTime', 'p95', 100],
      ['-DbConnectP95', 'CeoAgent', 'DbConnectTime', 'p95', 250],
      ['-VectorP95', 'CeoAgent', 'VectorQueryTime', 'p95', 200],
      ['-Api5xxRate', 'AWS/ApiGateway', '5XXError', 'Average', 0.01],
      ['-RateLimited-analyze', 'CeoAgent', 'RateLimited', 'Sum', 20],
      ['-RateLimited-login', 'CeoAgent', 'RateLimited', 'Sum', 20],
      ['-CacheBreakerOpen', 'CeoAgent', 'CacheBreakerOpen', 'Sum', 0],
      // dev has no RDS Proxy: the connections themselves (80% of max_connections at 4 ACU)
      ['-AuroraConnections', 'AWS/RDS', 'DatabaseConnections', 'Maximum', 658],
    ];
    for (const [suffix, ns, name, stat, threshold] of expectations) {
      const [alarm] = alarmsBy(named(suffix));
      expect(alarm, suffix).toBeDefined();
      expect(alarmMetric(alarm!), suffix).toEqual({ name, stat, ns });
      expect(alarm!.Threshold, suffix).toBe(threshold);
      expect(alarm!.ComparisonOperator).toBe('GreaterThanThreshold');
    }
  });

  /** The metric-math form: expression and the metrics it uses. */
  function alarmMath(p: Record<string, unknown>) {
    const all = p.Metrics as {
      Id: string;
      Expression?: string;
      ReturnData?: boolean;
      MetricStat?: {
        Metric: { MetricName: string; Namespace: string; Dimensions?: unknown[] };
        Stat: string;
      };
    }[];
    return {
      expression: all.find((m) => m.Expression)?.Expression,
      metrics: all.filter((m) => m.MetricStat).map((m) => m.MetricStat!),
    };
  }

  it('alarms when the DLQ grows, so a second failure is seen after the first', () => {
    expect(alarmsBy(named('-DlqNotEmpty'))).toEqual([]);
    const [a] = alarmsBy(named('-DlqGrowing'));
    const { expression, metrics } = alarmMath(a!);
    expect(expression).toMatch(/^DIFF\(/);
    expect(metrics.map((m) => `${m.Metric.Namespace} ${m.Metric.MetricName} ${m.Stat}`)).toEqual([
      'AWS/SQS ApproximateNumberOfMessagesVisible Maximum',
    ]);
    expect(a!.Threshold).toBe(0);
    expect(a!.EvaluationPeriods).toBe(1);
  });

  it('alarms on a throttle of any function (Lambda Throttles summed, at most 10 per alarm)', () => {
    const alarms = alarmsBy((p) => /-LambdaThrottles\d+$/.test(String(p.AlarmName)));
    const throttled = alarms.flatMap((a) => alarmMath(a).metrics);
    expect(
      throttled.every((m) => m.Metric.Namespace === 'AWS/Lambda' && m.Metric.MetricName === 'Throttles'),
    ).toBe(true);
    // every route function, the worker and the migration function
    expect(throttled.length).toBe(s.routes.length + 2);
    for (const a of alarms) {
      expect(alarmMath(a).metrics.length).toBeLessThanOrEqual(10);
      expect(alarmMath(a).expression).toMatch(/^SUM\(\[/);
      expect(a.Threshold).toBe(0);
    }
  });

  it('alarms when Aurora Serverless runs at its maximum capacity', () => {
    const [a] = alarmsBy(named('-AuroraAtMaxCapacity'));
    expect(alarmMetric(a!)).toEqual({ name: 'ACUUtilization', stat: 'Maximum', ns: 'AWS/RDS' });
    expect(a!.Threshold).toBe(95);
    expect(a!.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
  });

  it('alarms on API P95 > 500 ms and P99 > 1 s for every route that does not call the model', () => {
    const fast = s.routes.filter((r) => !r.needs.llm);
    expect(fast.length).toBeGreaterThan(0);
    for (const r of fast) {
      const [p95] = alarmsBy(named(`-ApiP95-${r.id}`));
      const [p99] = alarmsBy(named(`-ApiP99-${r.id}`));
      expect(p95 && alarmMetric(p95), r.id).toEqual({ name: 'Latency', stat: 'p95', ns: 'AWS/ApiGateway' });
      expect(p95!.Threshold).toBe(500);
      expect(p99 && alarmMetric(p99), r.id).toEqual({ name: 'Latency', stat: 'p99', ns: 'AWS/ApiGateway' });
      expect(p99!.Threshold).toBe(1000);
    }
  });

  it('notifies one KMS-encrypted SNS topic from every alarm', () => {
    const [topicId, topic] = ofType(s.observability, 'AWS::SNS::Topic')[0]!;
    expect(topic.Properties?.KmsMasterKeyId).toBeDefined();
    for (const a of alarmsBy(() => true)) {
      expect((a.AlarmActions as unknown[]).map(refTarget), String(a.AlarmName)).toEqual([topicId]);
    }
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding', () => {
    expect(nagFindings(s.app)).toEqual([]);
  });

  it('gives every acknowledgement a written reason', () => {
    const acks = acknowledgements(s.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) expect(a.reason.length, `${a.id} at ${a.path}`).toBeGreaterThan(40);
  });

  it('leaves no CDK warnings (e.g. a route without a needs profile)', () => {
    for (const stack of [s.stacks.data, s.stacks.api, s.stacks.observability]) {
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue()), stack.stackName).toEqual([]);
    }
  });
});
