import type { CfnResource as CdkCfnResource, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYSIS_WORKER } from '../../functions/routes';
import { auroraPgMaxConnections } from '../../lib/aurora-connections';
import { DB_POOL_MAX, DIRECT_IDLE_SESSION_TIMEOUT_MINUTES } from '../../lib/constants';
import type { AppFunction } from '../../lib/constructs/app-function';
import { nagFindings, PROD_CONTEXT, type Synthesized, synthesize } from './support/synth';
import {
  asArray,
  iamStatements,
  joinParts,
  ofType,
  refTarget,
  resolveStackOutput,
  resources,
} from './support/template';

/**
 * How the functions reach Postgres, per stage (`rdsProxy` in cdk.json): prod through RDS Proxy, dev straight to
 * the Aurora cluster endpoint (no proxy billed). Either way: IAM auth as the function's own role, TLS, a grant
 * on exactly what the client signs its token for, and one network path. Wiring only: no bundling.
 */
const logicalId = (stack: Stack, c: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(c.node.defaultChild as CdkCfnResource);

describe.each([
  ['dev', false],
  ['prod', true],
] as const)('Postgres path (%s, rdsProxy %s)', (stage, withProxy) => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize({ bundle: false, context: stage === 'prod' ? PROD_CONTEXT : { stage } });
  }, 120_000);
  afterAll(() => s?.cleanup());

  const dbFunctions = () =>
    [
      ...s.stacks.api.routeFunctions.map((r) => ({ fn: r.fn, needs: r.route.needs })),
      { fn: s.stacks.api.worker, needs: ANALYSIS_WORKER.needs },
    ].filter((f) => f.needs.db);
  const env = (f: AppFunction) =>
    (
      resources(s.api)[logicalId(s.stacks.api, f.fn)]!.Properties!.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
  const sg = (which: 'functionSg' | 'proxySg' | 'databaseSg' | 'migrationSg') => {
    const group = s.stacks.data.network[which];
    return group ? logicalId(s.stacks.data, group) : undefined;
  };
  const clusterId = () => logicalId(s.stacks.data, s.stacks.data.database.cluster);

  it(`points every database function at the ${withProxy ? 'proxy' : 'cluster'} endpoint as its own role, with TLS and IAM auth`, () => {
    expect(ofType(s.data, 'AWS::RDS::DBProxy')).toHaveLength(withProxy ? 1 : 0);
    expect(s.stacks.data.database.proxy === undefined).toBe(!withProxy);
    const expectedHost = withProxy
      ? { 'Fn::GetAtt': [logicalId(s.stacks.data, s.stacks.data.database.proxy!), 'Endpoint'] }
      : { 'Fn::GetAtt': [clusterId(), 'Endpoint.Address'] };
    expect(dbFunctions().length).toBeGreaterThan(3);
    for (const { fn, needs } of dbFunctions()) {
      const e = env(fn);
      const [userPart, hostPart, tail] = joinParts(e.DATABASE_URL);
      const user = needs.dbAccess === 'write' ? 'ceo_app' : 'ceo_readonly';
      expect(userPart, fn.id).toBe(`postgresql://${user}@`);
      expect(resolveStackOutput(hostPart, s.data), fn.id).toEqual(expectedHost);
      expect(tail, fn.id).toBe(':5432/ceo_agent');
      expect([e.DB_SSL, e.DB_IAM_AUTH], fn.id).toEqual(['true', 'true']);
      expect(e.DB_MASTER_SECRET_ARN, fn.id).toBeUndefined();
      // Aurora's certificate is signed by the RDS CA (Lambda ships the bundle, Node does not trust it by
      // default); the proxy's is public
      expect(e.NODE_EXTRA_CA_CERTS, fn.id).toBe(withProxy ? undefined : '/var/runtime/ca-cert.pem');
    }
    if (withProxy) {
      s.data.hasResourceProperties('AWS::RDS::DBProxy', {
        RequireTLS: true,
        DefaultAuthScheme: 'IAM_AUTH',
        VpcSecurityGroupIds: [{ 'Fn::GetAtt': [sg('proxySg'), 'GroupId'] }],
      });
      const [, proxy] = ofType(s.data, 'AWS::RDS::DBProxy')[0]!;
      expect(proxy.Properties?.Auth).toBeUndefined();
    }
  });

  it(`grants rds-db:connect for the function's own role on the ${withProxy ? 'proxy' : 'cluster'}, and nothing else`, () => {
    const statements = [...iamStatements(s.api), ...iamStatements(s.data)];
    for (const { fn, needs } of dbFunctions()) {
      const roleId = logicalId(fn.role.stack, fn.role);
      const resourcesGranted = statements
        .filter((x) => x.roles.includes(roleId) && asArray(x.statement.Action).includes('rds-db:connect'))
        .flatMap((x) => asArray(x.statement.Resource));
      expect(resourcesGranted, fn.id).toHaveLength(1);
      const parts = joinParts(resourcesGranted[0]);
      const user = needs.dbAccess === 'write' ? 'ceo_app' : 'ceo_readonly';
      expect(parts.at(-1), fn.id).toBe(`/${user}`);
      expect(parts.at(-3), fn.id).toBe(':dbuser:');
      // dbuser:<resource id>/<user>: the proxy's id (prx-…, the 7th field of its ARN) or the cluster's (cluster-…)
      const id = parts.at(-2) as Record<string, unknown>;
      if (withProxy) {
        const arn = (id['Fn::Select'] as [number, { 'Fn::Split': [string, unknown] }])[1]['Fn::Split'][1];
        expect(resolveStackOutput(arn, s.data), fn.id).toEqual({
          'Fn::GetAtt': [logicalId(s.stacks.data, s.stacks.data.database.proxy!), 'DBProxyArn'],
        });
      } else {
        expect(resolveStackOutput(id, s.data), fn.id).toEqual({
          'Fn::GetAtt': [clusterId(), 'DBClusterResourceId'],
        });
      }
    }
    // the proxy (where there is one) logs in to Aurora as exactly the two application users, on this cluster
    const proxyRole = s.stacks.data.database.proxyRole;
    expect(proxyRole === undefined).toBe(!withProxy);
    if (!proxyRole) return;
    const targets = statements
      .filter(
        (x) =>
          x.roles.includes(logicalId(s.stacks.data, proxyRole)) &&
          asArray(x.statement.Action).includes('rds-db:connect'),
      )
      .flatMap((x) => asArray(x.statement.Resource))
      .map((r) => JSON.stringify(r));
    expect(targets).toHaveLength(2);
    for (const t of targets) expect(t).toContain(`"${clusterId()}","DBClusterResourceId"`);
    expect(targets.map((t) => /\/(ceo_[a-z]+)"/.exec(t)?.[1]).sort()).toEqual(['ceo_app', 'ceo_readonly']);
  });

  it(`opens Postgres on one path: functions → ${withProxy ? 'proxy → database' : 'database'}, plus the migration handler`, () => {
    const ingress = ofType(s.data, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties!);
    const into = (id: string | undefined) => ingress.filter((r) => refTarget(r.GroupId) === id);
    const sources = (id: string | undefined) => into(id).map((r) => refTarget(r.SourceSecurityGroupId));
    expect(sg('proxySg') === undefined).toBe(!withProxy);
    const front = withProxy ? sg('proxySg') : sg('functionSg');
    expect(new Set(sources(sg('databaseSg')))).toEqual(new Set([front, sg('migrationSg')]));
    for (const r of into(sg('databaseSg'))) {
      // ours on 5432, and the one RDS Proxy adds on the cluster's port attribute
      for (const port of [r.FromPort, r.ToPort]) {
        expect([5432, { 'Fn::GetAtt': [clusterId(), 'Endpoint.Port'] }]).toContainEqual(port);
      }
    }
    if (withProxy) expect(sources(sg('proxySg'))).toEqual([sg('functionSg')]);
    expect(ingress.some((r) => r.CidrIp || r.CidrIpv6)).toBe(false);
    // the functions' only Postgres egress goes to that front door
    const egress = ofType(s.data, 'AWS::EC2::SecurityGroupEgress')
      .map(([, r]) => r.Properties!)
      .filter((r) => refTarget(r.GroupId) === sg('functionSg'))
      .filter((r) => (r.FromPort as number) <= 5432 && (r.ToPort as number) >= 5432);
    expect(egress.map((r) => refTarget(r.DestinationSecurityGroupId))).toEqual([
      withProxy ? sg('proxySg') : sg('databaseSg'),
    ]);
  });

  it('sizes the pool for the path and stops reusing connections before the other side closes them', () => {
    const proxyIdleS = withProxy
      ? (ofType(s.data, 'AWS::RDS::DBProxy')[0]![1].Properties?.IdleClientTimeout as number)
      : undefined;
    for (const { fn } of dbFunctions()) {
      const e = env(fn);
      expect(e.DB_POOL_MAX, fn.id).toBe(String(withProxy ? DB_POOL_MAX.proxy : DB_POOL_MAX.direct));
      const idleMs = Number(e.DB_IDLE_TIMEOUT_MS);
      expect(idleMs, fn.id).toBeGreaterThanOrEqual(60_000);
      if (withProxy) {
        expect(e.DB_IDLE_SESSION_TIMEOUT_MS, fn.id).toBeUndefined();
        expect(idleMs, fn.id).toBeLessThan(proxyIdleS! * 1000);
      } else {
        // Aurora ends sessions idle 5 min (also of frozen instances, so it can auto-pause); the pool lets go first
        const serverMs = Number(e.DB_IDLE_SESSION_TIMEOUT_MS);
        expect(serverMs, fn.id).toBe(DIRECT_IDLE_SESSION_TIMEOUT_MINUTES * 60_000);
        expect(idleMs, fn.id).toBeLessThan(serverMs);
        expect(serverMs, fn.id).toBeLessThan(s.stacks.config.auroraAutoPauseMinutes! * 60_000);
      }
    }
  });

  it(`alarms on ${withProxy ? 'pinned proxy sessions' : 'Aurora connections near max_connections'}`, () => {
    const alarms = ofType(s.observability, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties!);
    const named = (suffix: string) => alarms.filter((a) => String(a.AlarmName).endsWith(suffix));
    expect(named('-ProxySessionPinning')).toHaveLength(withProxy ? 1 : 0);
    const connections = named('-AuroraConnections');
    expect(connections).toHaveLength(withProxy ? 0 : 1);
    if (withProxy) return;
    const max = auroraPgMaxConnections(s.stacks.config.auroraMinAcu, s.stacks.config.auroraMaxAcu);
    expect(max).toBe(823); // dev: 0–4 ACU
    expect(connections[0]!.Threshold).toBe(Math.floor(max * 0.8));
    expect(connections[0]!.MetricName).toBe('DatabaseConnections');
  });

  it('is clean under cdk-nag', () => {
    expect(nagFindings(s.app)).toEqual([]);
  });
});
