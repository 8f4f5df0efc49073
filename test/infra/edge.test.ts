import type { CfnResource as CdkCfnResource } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#core/config';
import { ANALYSIS_WORKER, ROUTES } from '../../functions/routes';
import { API_MAX_BODY_BYTES, DB_USERS } from '../../lib/constants';
import type { AppFunction } from '../../lib/constructs/app-function';
import { WAF_RULES } from '../../lib/constructs/web-acl';
import { methodThrottle } from '../../lib/throttles';
import { acknowledgements, nagFindings, PROD_CONTEXT, type Synthesized, synthesize } from './support/synth';
import { asArray, iamStatements, joinParts, ofType, refTarget, resources } from './support/template';

/**
 * The edge (issue #12, item 7): WAF, per-method throttles, no keyless usage plan, database roles, required prod
 * context, and true cdk-nag reasons. Wiring only, so the synths skip esbuild.
 */
const logicalId = (c: {
  stack: { getLogicalId(e: CdkCfnResource): string };
  node: { defaultChild?: unknown };
}) => c.stack.getLogicalId(c.node.defaultChild as CdkCfnResource);

function fnEnv(s: Synthesized, f: AppFunction): Record<string, unknown> {
  const t = f.fn.stack === s.stacks.api ? s.api : s.data;
  const props = resources(t)[logicalId(f.fn)]!.Properties!;
  return (props.Environment as { Variables: Record<string, unknown> }).Variables;
}

interface MethodSetting {
  HttpMethod: string;
  ResourcePath: string;
  ThrottlingRateLimit?: number;
  ThrottlingBurstLimit?: number;
}
function methodSettings(s: Synthesized): MethodSetting[] {
  const [, stage] = ofType(s.api, 'AWS::ApiGateway::Stage')[0]!;
  return stage.Properties!.MethodSettings as MethodSetting[];
}
/** CloudFormation's form of a method-setting path: every `/` as `~1`, after a leading `/`. */
const encodedPath = (path: string) => `/${path.replaceAll('/', '~1')}`;

describe.each([
  ['prod', PROD_CONTEXT],
  ['dev', { stage: 'dev' }],
] as const)('edge protection (%s)', (stageName, context) => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize({ bundle: false, routes: ROUTES, context });
  }, 120_000);
  afterAll(() => s?.cleanup());

  it('throttles every route at its share of the stage rate: login and the model low, reads high', () => {
    const settings = methodSettings(s);
    const stage = s.stacks.api.node.tryGetContext('stages')[stageName] as {
      apiThrottleRateLimit: number;
      apiThrottleBurstLimit: number;
    };
    for (const route of ROUTES) {
      const m = settings.find(
        (x) => x.HttpMethod === route.method && x.ResourcePath === encodedPath(route.path),
      );
      expect(m, route.id).toBeDefined();
      const want = methodThrottle(route, stage);
      expect([m!.ThrottlingRateLimit, m!.ThrottlingBurstLimit], route.id).toEqual([
        want.rateLimit,
        want.burstLimit,
      ]);
      expect(m!.ThrottlingRateLimit!, route.id).toBeLessThanOrEqual(stage.apiThrottleRateLimit);
    }
    const rate = (id: string) =>
      settings.find((x) => x.ResourcePath === encodedPath(ROUTES.find((r) => r.id === id)!.path))!
        .ThrottlingRateLimit!;
    expect(rate('auth-login')).toBeLessThan(rate('decision-analyze'));
    expect(rate('decision-analyze')).toBeLessThan(rate('decisions-list'));
    expect(rate('decision-analyze-stream')).toBeLessThan(rate('decisions-get'));
  });

  it('has no usage plan and no API key (apiKeyRequired is false: a plan without keys meters nothing)', () => {
    expect(ofType(s.api, 'AWS::ApiGateway::UsagePlan')).toEqual([]);
    expect(ofType(s.api, 'AWS::ApiGateway::ApiKey')).toEqual([]);
    for (const [, m] of ofType(s.api, 'AWS::ApiGateway::Method')) {
      expect(m.Properties?.ApiKeyRequired ?? false).toBe(false);
    }
  });

  it('connects read-only routes as ceo_readonly, analyze/stream/worker as ceo_app, and only migrations as the master', () => {
    const expected: Record<string, string> = {
      health: DB_USERS.read,
      'auth-login': DB_USERS.read,
      'decisions-list': DB_USERS.read,
      'decisions-get': DB_USERS.read,
      'decisions-search': DB_USERS.read,
      'analysis-status': DB_USERS.read,
      'org-metrics-list': DB_USERS.read,
      'decision-analyze': DB_USERS.write,
      'org-metrics-import': DB_USERS.write,
      'decision-analyze-stream': DB_USERS.write,
      [ANALYSIS_WORKER.id]: DB_USERS.write,
    };
    const fns = [
      ...s.stacks.api.routeFunctions.map((r) => r.fn),
      s.stacks.api.worker,
      s.stacks.data.migration.handler,
    ];
    const statements = [...iamStatements(s.api), ...iamStatements(s.data)];
    const seen: Record<string, string> = {};
    for (const f of fns) {
      const url = fnEnv(s, f).DATABASE_URL;
      if (url === undefined) continue;
      const user = /^postgresql:\/\/([a-z_]+)@$/.exec(String(joinParts(url)[0]))?.[1];
      seen[f.id] = user ?? '?';
      const roleId = logicalId(f.role);
      const connect = statements
        .filter((x) => x.roles.includes(roleId) && asArray(x.statement.Action).includes('rds-db:connect'))
        .flatMap((x) => asArray(x.statement.Resource).map((r) => JSON.stringify(r)));
      if (f === s.stacks.data.migration.handler) {
        expect(connect, 'the migration signs no IAM token: it logs in with the master password').toEqual([]);
        continue;
      }
      // the grant names exactly the user in DATABASE_URL, on the proxy
      expect(connect.length, f.id).toBeGreaterThan(0);
      for (const r of connect) expect(r, f.id).toMatch(new RegExp(`/${user}"`));
    }
    expect(seen).toEqual({ ...expected, 'db-migrate': DB_USERS.owner });
  });

  it('keeps the database roles in step with the migration that creates them', async () => {
    const { readFileSync } = await import('node:fs');
    const sql = readFileSync('layers/core/src/db/migrations/0005_roles.sql', 'utf8');
    expect(sql).toContain(`ARRAY['${DB_USERS.write}', '${DB_USERS.read}']`);
    expect(sql).toMatch(/GRANT rds_iam TO/);
    expect(sql).toMatch(/GRANT SELECT ON ALL TABLES IN SCHEMA public TO ceo_readonly/);
  });

  it('lets /health tell operators apart: its function can verify JWTs', () => {
    const health = s.stacks.api.routeFunctions.find((r) => r.route.id === 'health')!;
    expect(fnEnv(s, health.fn).JWT_SECRET_ARN).toBeDefined();
  });

  it('leaves cdk-nag nothing to report and acknowledges nothing that is not true', () => {
    expect(nagFindings(s.app)).toEqual([]);
    const acks = acknowledgements(s.app);
    const ids = acks.map((a) => a.id);
    // the master password is RDS-managed and rotated: no secret resource to excuse from rotation
    expect(ofType(s.data, 'AWS::SecretsManager::Secret').map(([id]) => id)).not.toContainEqual(
      expect.stringMatching(/Cluster/),
    );
    for (const a of acks.filter((x) => x.id === 'AwsSolutions-SMG4')) {
      expect(a.path, a.reason).not.toMatch(/Database/);
    }
    // no acknowledgement leans on a usage plan that does not exist
    for (const a of acks) expect(a.reason, `${a.id} at ${a.path}`).not.toMatch(/usage plan/i);
    const hasAcl = ofType(s.api, 'AWS::WAFv2::WebACLAssociation').length > 0;
    expect(ids.includes('AwsSolutions-APIG3')).toBe(!hasAcl);
    if (!hasAcl) {
      const apig3 = acks.find((a) => a.id === 'AwsSolutions-APIG3')!;
      expect(apig3.reason).toMatch(/waf: false/);
    }
  });
});

describe('WAF on prod', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize({ bundle: false, routes: ROUTES, context: PROD_CONTEXT });
  }, 120_000);
  afterAll(() => s?.cleanup());

  it('has a regional web ACL with the managed rule sets, per-IP rate limits and the body-size rule', () => {
    const acls = ofType(s.api, 'AWS::WAFv2::WebACL');
    expect(acls).toHaveLength(1);
    const acl = acls[0]![1].Properties!;
    expect(acl.Scope).toBe('REGIONAL');
    expect(acl.DefaultAction).toEqual({ Allow: {} });
    const rules = acl.Rules as {
      Name: string;
      Priority: number;
      Action?: unknown;
      OverrideAction?: unknown;
      Statement: Record<string, Record<string, unknown>>;
    }[];
    const byName = Object.fromEntries(rules.map((r) => [r.Name, r]));
    expect(Object.keys(byName).sort()).toEqual(Object.values(WAF_RULES).sort());
    expect(new Set(rules.map((r) => r.Priority)).size).toBe(rules.length);

    expect(byName[WAF_RULES.ipRate]!.Statement.RateBasedStatement).toMatchObject({
      Limit: 2000,
      AggregateKeyType: 'IP',
    });
    expect(byName[WAF_RULES.ipRate]!.Action).toEqual({ Block: {} });
    const sensitive = byName[WAF_RULES.sensitiveIpRate]!.Statement.RateBasedStatement!;
    expect(sensitive.Limit).toBe(200);
    expect(JSON.stringify(sensitive.ScopeDownStatement)).toContain('/api/v1/auth/login');

    // the API's own limit (64 KB), enforced at the edge: the ACL inspects up to it, anything larger matches
    expect(API_MAX_BODY_BYTES).toBe(loadConfig({}).MAX_BODY_BYTES);
    expect(byName[WAF_RULES.bodySize]!.Statement.SizeConstraintStatement).toMatchObject({
      ComparisonOperator: 'GT',
      Size: API_MAX_BODY_BYTES,
      FieldToMatch: { Body: { OversizeHandling: 'MATCH' } },
    });
    expect(byName[WAF_RULES.bodySize]!.Action).toEqual({ Block: {} });
    expect(acl.AssociationConfig).toEqual({
      RequestBody: { API_GATEWAY: { DefaultSizeInspectionLimit: 'KB_64' } },
    });

    // common rule set: its fixed 8 KB body rule would block valid 8–64 KB requests, so it only counts
    const common = byName[WAF_RULES.common]!;
    expect(common.OverrideAction).toEqual({ None: {} });
    expect(common.Statement.ManagedRuleGroupStatement).toMatchObject({
      VendorName: 'AWS',
      Name: 'AWSManagedRulesCommonRuleSet',
      RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
    });
    expect(byName[WAF_RULES.knownBadInputs]!.Statement.ManagedRuleGroupStatement).toMatchObject({
      VendorName: 'AWS',
      Name: 'AWSManagedRulesKnownBadInputsRuleSet',
    });
    // the rate and size rules run before the managed groups
    expect(byName[WAF_RULES.ipRate]!.Priority).toBeLessThan(common.Priority);
    expect(byName[WAF_RULES.bodySize]!.Priority).toBeLessThan(common.Priority);
  });

  it('associates the web ACL with the API stage, after the stage exists', () => {
    const [aclId] = ofType(s.api, 'AWS::WAFv2::WebACL')[0]!;
    const assocs = ofType(s.api, 'AWS::WAFv2::WebACLAssociation');
    expect(assocs).toHaveLength(1);
    const [, assoc] = assocs[0]!;
    expect(assoc.Properties?.WebACLArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    const arn = JSON.stringify(assoc.Properties?.ResourceArn);
    const [apiId] = ofType(s.api, 'AWS::ApiGateway::RestApi')[0]!;
    const [stageId] = ofType(s.api, 'AWS::ApiGateway::Stage')[0]!;
    expect(arn).toContain(`{"Ref":"${apiId}"}`);
    // the stage ARN names the stage resource, so CloudFormation creates the association after it
    expect(arn).toContain(`/stages/",{"Ref":"${stageId}"}`);
  });

  it('uses the CORS origin and alarm e-mail given on the command line', () => {
    for (const { fn } of s.stacks.api.routeFunctions) {
      expect(fnEnv(s, fn).CORS_ORIGIN, fn.id).toBe(PROD_CONTEXT.corsOrigins);
    }
    const responses = ofType(s.api, 'AWS::ApiGateway::GatewayResponse').map(([, r]) => r.Properties!);
    for (const r of responses) {
      expect(r.ResponseParameters).toMatchObject({
        'gatewayresponse.header.Access-Control-Allow-Origin': `'${PROD_CONTEXT.corsOrigins}'`,
      });
    }
    expect(JSON.stringify(s.api.toJSON())).not.toContain('app.example.com');
    s.observability.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: PROD_CONTEXT.alarmEmail,
    });
  });

  it('fails the synth without them, naming the -c options', () => {
    expect(() => synthesize({ bundle: false, routes: ROUTES, context: { stage: 'prod' } })).toThrow(
      /-c corsOrigins=.*-c alarmEmail=/,
    );
  });
});

describe('dev with waf=true and apiKeyRequired=true', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize({
      bundle: false,
      routes: ROUTES,
      context: { stage: 'dev', waf: 'true', apiKeyRequired: 'true' },
    });
  }, 120_000);
  afterAll(() => s?.cleanup());

  it('gets its own web ACL at the dev rate limit', () => {
    const [, acl] = ofType(s.api, 'AWS::WAFv2::WebACL')[0]!;
    const ipRate = (
      acl.Properties!.Rules as { Name: string; Statement: { RateBasedStatement: { Limit: number } } }[]
    ).find((r) => r.Name === WAF_RULES.ipRate)!;
    expect(ipRate.Statement.RateBasedStatement.Limit).toBe(1000);
    expect(ofType(s.api, 'AWS::WAFv2::WebACLAssociation')).toHaveLength(1);
  });

  it('meters API keys: a usage plan with throttle and quota, a key in it, and every method requiring one', () => {
    const [planId, plan] = ofType(s.api, 'AWS::ApiGateway::UsagePlan')[0]!;
    expect(plan.Properties).toMatchObject({
      Throttle: { RateLimit: 50, BurstLimit: 100 },
      Quota: { Limit: 50_000, Period: 'DAY' },
    });
    const [keyId] = ofType(s.api, 'AWS::ApiGateway::ApiKey')[0]!;
    const [, link] = ofType(s.api, 'AWS::ApiGateway::UsagePlanKey')[0]!;
    expect(refTarget(link.Properties?.UsagePlanId)).toBe(planId);
    expect(refTarget(link.Properties?.KeyId)).toBe(keyId);
    const methods = ofType(s.api, 'AWS::ApiGateway::Method').filter(
      ([, m]) => m.Properties?.HttpMethod !== 'OPTIONS',
    );
    expect(methods.length).toBe(ROUTES.length);
    for (const [, m] of methods) expect(m.Properties?.ApiKeyRequired).toBe(true);
  });

  it('is clean under cdk-nag without an APIG3 acknowledgement', () => {
    expect(nagFindings(s.app)).toEqual([]);
    expect(acknowledgements(s.app).map((a) => a.id)).not.toContain('AwsSolutions-APIG3');
  });
});
