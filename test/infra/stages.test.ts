import type { CfnResource as CdkCfnResource, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../functions/routes';
import type { AppFunction } from '../../lib/constructs/app-function';
import { nagFindings, PROD_CONTEXT, type Synthesized, synthesize } from './support/synth';
import { ofType, resources } from './support/template';

/**
 * Stage and cache-provider variants. These check wiring, not code, so they synth without esbuild
 * (`aws:cdk:bundling-stacks: []`); app.test.ts synthesises the real, bundled tree.
 */
const logicalId = (stack: Stack, c: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(c.node.defaultChild as CdkCfnResource);

function fnEnv(s: Synthesized, f: AppFunction): Record<string, unknown> {
  const t = f.fn.stack === s.stacks.api ? s.api : s.data;
  const props = resources(t)[logicalId(f.fn.stack, f.fn)]!.Properties!;
  return (props.Environment as { Variables: Record<string, unknown> }).Variables;
}
function inVpc(s: Synthesized, f: AppFunction): boolean {
  const t = f.fn.stack === s.stacks.api ? s.api : s.data;
  return resources(t)[logicalId(f.fn.stack, f.fn)]!.Properties!.VpcConfig !== undefined;
}

describe('prod stage', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize({
      bundle: false,
      routes: ROUTES,
      context: {
        ...PROD_CONTEXT,
        alarmEmail: 'ops@example.com',
        wafWebAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/ceo/abc',
      },
    });
  }, 120_000);
  afterAll(() => s?.cleanup());

  it('retains data: deletion protection, snapshot on delete, retained tables and secrets', () => {
    const [, cluster] = ofType(s.data, 'AWS::RDS::DBCluster')[0]!;
    expect(cluster.Properties?.DeletionProtection).toBe(true);
    expect((cluster as { DeletionPolicy?: string }).DeletionPolicy).toBe('Snapshot');
    expect(ofType(s.data, 'AWS::RDS::DBInstance')).toHaveLength(2); // writer + 1 reader
    const jobs = ofType(s.data, 'AWS::DynamoDB::GlobalTable').find(([, t]) =>
      JSON.stringify(t.Properties?.KeySchema).includes('task_id'),
    )!;
    expect((jobs[1] as { DeletionPolicy?: string }).DeletionPolicy).toBe('Retain');
    for (const [, secret] of ofType(s.data, 'AWS::SecretsManager::Secret')) {
      expect((secret as { DeletionPolicy?: string }).DeletionPolicy).toBe('Retain');
    }
  });

  it('uses the prod throttling, worker concurrency and log retention', () => {
    s.api.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      MethodSettings: Match.arrayWith([
        Match.objectLike({ HttpMethod: '*', ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 }),
      ]),
    });
    s.api.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 10 },
    });
    for (const [, group] of ofType(s.api, 'AWS::Logs::LogGroup').filter(([id]) => id.startsWith('Routes'))) {
      expect(group.Properties?.RetentionInDays).toBe(90);
    }
  });

  it('subscribes the alarm email and associates the web ACL', () => {
    s.observability.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    s.api.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/ceo/abc',
    });
    // the external ACL replaces the stage's own
    expect(ofType(s.api, 'AWS::WAFv2::WebACL')).toEqual([]);
  });

  it('is clean under cdk-nag', () => {
    expect(nagFindings(s.app)).toEqual([]);
  });
});

describe.each([
  ['elasticache', 'dev'],
  ['upstash', 'dev'],
  ['none', 'prod'],
] as const)('cacheProvider %s (%s)', (cacheProvider, stage) => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize({
      bundle: false,
      routes: ROUTES,
      context: { ...(stage === 'prod' ? PROD_CONTEXT : { stage }), cacheProvider },
    });
  }, 120_000);
  afterAll(() => s?.cleanup());

  it('wires the cache into the functions that use it', () => {
    expect(ofType(s.data, 'AWS::ElastiCache::ServerlessCache')).toHaveLength(
      cacheProvider === 'elasticache' ? 1 : 0,
    );
    for (const { route, fn } of s.stacks.api.routeFunctions) {
      const e = fnEnv(s, fn);
      const { needs } = route;
      expect(e.CACHE_PROVIDER, route.id).toBe(needs.cache ? cacheProvider : undefined);
      expect(e.REDIS_URL !== undefined, route.id).toBe(needs.cache && cacheProvider === 'elasticache');
      expect(e.UPSTASH_SECRET_ARN !== undefined, route.id).toBe(needs.cache && cacheProvider === 'upstash');
    }
  });

  it('puts a function in the VPC only when it talks to Postgres or ElastiCache', () => {
    const functions = [...s.stacks.api.routeFunctions.map((r) => ({ fn: r.fn, needs: r.route.needs }))];
    for (const { fn, needs } of functions) {
      expect(inVpc(s, fn), fn.id).toBe(needs.db || (needs.cache && cacheProvider === 'elasticache'));
    }
    // starting a job touches neither Postgres nor the cache: it runs outside the VPC (no ENI, no NAT)
    const start = s.stacks.api.routeFunctions.find((r) => r.route.id === 'analysis-start')!;
    expect(inVpc(s, start.fn)).toBe(false);
    const e = fnEnv(s, start.fn);
    expect(e.JOBS_TABLE).toBeDefined();
    expect(e.ANALYSIS_QUEUE_URL).toBeDefined();
    expect(e.DATABASE_URL).toBeUndefined();
  });

  it('opens the cache port only from the function security group', () => {
    const cacheSg = s.stacks.data.network.cacheSg;
    if (cacheProvider !== 'elasticache') {
      expect(cacheSg).toBeUndefined();
      return;
    }
    const cacheSgId = logicalId(s.stacks.data, cacheSg!);
    const fnSgId = logicalId(s.stacks.data, s.stacks.data.network.functionSg);
    const rules = ofType(s.data, 'AWS::EC2::SecurityGroupIngress')
      .map(([, r]) => r.Properties!)
      .filter((r) => JSON.stringify(r.GroupId).includes(cacheSgId));
    expect(rules.map((r) => [JSON.stringify(r.SourceSecurityGroupId), r.FromPort, r.ToPort])).toEqual([
      [JSON.stringify({ 'Fn::GetAtt': [fnSgId, 'GroupId'] }), 6379, 6380],
    ]);
  });

  it('is clean under cdk-nag', () => {
    expect(nagFindings(s.app)).toEqual([]);
  });
});
