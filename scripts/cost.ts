/**
 * `npm run cost`: prices each stage of cdk.json from its synthesized templates (no bundling, nothing deployed)
 * with the table in lib/cost/prices.json: the monthly cost at idle and the cost per 1M analyze requests
 * (LLM tokens excluded), with every line item. Assumptions for the per-request part: lib/cost/workload.json.
 *   npm run cost [-- dev prod]
 */
import { readFileSync, rmSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildCeoAgentApp, PROJECT_ROOT } from '../lib/app';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
const P = JSON.parse(readFileSync(`${PROJECT_ROOT}lib/cost/prices.json`, 'utf8')) as Record<string, number>;
const W = JSON.parse(readFileSync(`${PROJECT_ROOT}lib/cost/workload.json`, 'utf8')) as Record<string, number>;
const cdkJson = JSON.parse(readFileSync(`${PROJECT_ROOT}cdk.json`, 'utf8')) as {
  context: { stages: Record<string, unknown> } & Record<string, unknown>;
};
const H = P.hoursPerMonth!;
const wanted = process.argv.slice(2);
const stages = wanted.length > 0 ? wanted : Object.keys(cdkJson.context.stages);

interface Line {
  item: string;
  usd: number;
  why: string;
}

function price(stage: string) {
  const outdir = `${process.env.TMPDIR ?? '/tmp'}/ceo-cost-${process.pid}-${stage}`;
  const app = new App({
    // placeholders for settings a real synth must be given (-c corsOrigins, -c alarmEmail): they cost nothing
    context: {
      ...cdkJson.context,
      stage,
      corsOrigins: ['https://cost-estimate.invalid'],
      alarmEmail: 'cost-estimate@example.com',
      'aws:cdk:bundling-stacks': [],
    },
    outdir,
  });
  const stacks = buildCeoAgentApp(app);
  const all: Resources = {};
  try {
    for (const st of [stacks.data, stacks.api, stacks.observability])
      Object.assign(all, Template.fromStack(st).toJSON().Resources as Resources);
  } finally {
    rmSync(outdir, { recursive: true, force: true }); // the templates are read; nothing is kept
  }
  const of = (type: string) => Object.values(all).filter((r) => r.Type === type);
  const idle: Line[] = [];
  const add = (item: string, usd: number, why: string) => {
    if (usd > 0) idle.push({ item, usd, why });
  };

  const nats = of('AWS::EC2::NatGateway').length;
  add('NAT gateways', nats * P.natGatewayHour! * H, `${nats} × $${P.natGatewayHour}/h`);
  const eips = of('AWS::EC2::EIP').length;
  add('public IPv4 (NAT EIPs)', eips * P.publicIpv4Hour! * H, `${eips} × $${P.publicIpv4Hour}/h`);
  const ifaces = of('AWS::EC2::VPCEndpoint').filter((r) => r.Properties?.VpcEndpointType === 'Interface');
  const azEndpoints = ifaces.reduce((n, r) => n + ((r.Properties?.SubnetIds as unknown[]) ?? []).length, 0);
  add(
    'interface VPC endpoints',
    azEndpoints * P.interfaceEndpointHourPerAz! * H,
    `${ifaces.length} endpoints, ${azEndpoints} endpoint-AZs × $${P.interfaceEndpointHourPerAz}/h`,
  );
  const cluster = of('AWS::RDS::DBCluster')[0];
  const scaling = (cluster?.Properties?.ServerlessV2ScalingConfiguration ?? {}) as {
    MinCapacity?: number;
    MaxCapacity?: number;
    SecondsUntilAutoPause?: number;
  };
  const instances = of('AWS::RDS::DBInstance').length;
  const minAcu = scaling.MinCapacity ?? 0;
  add(
    'Aurora Serverless v2 compute (idle at min ACU)',
    instances * minAcu * P.auroraAcuHour! * H,
    `${instances} instance(s) × ${minAcu} ACU × $${P.auroraAcuHour}/ACU-h${minAcu === 0 ? ' (auto-pause)' : ''}`,
  );
  add(
    'Aurora storage',
    W.auroraIdleGb! * P.auroraStorageGbMonth!,
    `${W.auroraIdleGb} GB × $${P.auroraStorageGbMonth}`,
  );
  const proxies = of('AWS::RDS::DBProxy').length;
  add(
    'RDS Proxy (Serverless v2: min 8 ACU billed)',
    proxies * Math.max(P.rdsProxyMinAcu!, minAcu) * P.rdsProxyAcuHour! * H,
    `${proxies} × max(8, ${minAcu}) ACU × $${P.rdsProxyAcuHour}/ACU-h`,
  );
  const caches = of('AWS::ElastiCache::ServerlessCache').length;
  add(
    'ElastiCache Serverless (Valkey minimum storage)',
    caches * P.elasticacheValkeyMinGb! * P.elasticacheValkeyGbHour! * H,
    `${caches} × ${P.elasticacheValkeyMinGb} GB minimum × $${P.elasticacheValkeyGbHour}/GB-h`,
  );
  const keys = of('AWS::KMS::Key').length;
  add('KMS keys', keys * P.kmsKeyMonth!, `${keys} × $${P.kmsKeyMonth}`);
  const secrets = of('AWS::SecretsManager::Secret').length;
  add('Secrets Manager secrets', secrets * P.secretMonth!, `${secrets} × $${P.secretMonth}`);
  const alarms = of('AWS::CloudWatch::Alarm');
  const alarmMetrics = alarms.reduce(
    (n, a) =>
      n +
      (Array.isArray(a.Properties?.Metrics)
        ? (a.Properties.Metrics as { MetricStat?: unknown }[]).filter((m) => m.MetricStat).length
        : 1),
    0,
  );
  add(
    'CloudWatch alarms',
    alarmMetrics * P.alarmMetricMonth!,
    `${alarms.length} alarms, ${alarmMetrics} metrics × $${P.alarmMetricMonth}`,
  );
  const acls = of('AWS::WAFv2::WebACL');
  const wafRules = acls.reduce((n, a) => n + ((a.Properties?.Rules as unknown[]) ?? []).length, 0);
  add(
    'WAF web ACL',
    acls.length * P.wafAclMonth! + wafRules * P.wafRuleMonth!,
    `${acls.length} ACL × $${P.wafAclMonth} + ${wafRules} rules × $${P.wafRuleMonth}`,
  );
  const dashboards = of('AWS::CloudWatch::Dashboard').length;
  add('CloudWatch dashboards', dashboards * P.dashboardMonth!, `${dashboards} × $${P.dashboardMonth}`);

  // --- per 1M analyze requests (LLM tokens excluded) ---
  const fn = Object.entries(all).find(
    ([, r]) =>
      r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties).includes('decision-analyze"'),
  )?.[1];
  const memGb = Number(fn?.Properties?.MemorySize ?? 1024) / 1024;
  const hit = W.cacheHitShare!;
  const avgS = (hit * W.hitDurationMs! + (1 - hit) * W.missDurationMs!) / 1000;
  const per: Line[] = [
    {
      item: 'API Gateway REST',
      usd: P.apiGatewayRestPerMillion!,
      why: `$${P.apiGatewayRestPerMillion}/M requests`,
    },
    {
      item: 'WAF requests',
      usd: acls.length > 0 ? P.wafPerMillion! : 0,
      why: `$${P.wafPerMillion}/M requests`,
    },
    { item: 'Lambda requests', usd: P.lambdaPerMillionRequests!, why: `$${P.lambdaPerMillionRequests}/M` },
    {
      item: 'Lambda duration (arm64)',
      usd: 1e6 * avgS * memGb * P.lambdaArmGbSecond!,
      why: `${memGb} GB × ${avgS.toFixed(2)} s mean (hits ${W.hitDurationMs} ms, misses ${W.missDurationMs} ms waiting for Claude, ${hit * 100}% hits)`,
    },
    {
      item: 'CloudWatch Logs + EMF',
      usd: (1e6 * W.logBytesPerRequest! * P.logsIngestPerGb!) / 1e9,
      why: `${W.logBytesPerRequest} B/request (access line + one EMF line)`,
    },
    {
      item: 'NAT data (Claude calls)',
      usd: nats > 0 ? (1e6 * (1 - hit) * W.natBytesPerMiss! * P.natGatewayPerGb!) / 1e9 : 0,
      why: `${W.natBytesPerMiss} B per miss × $${P.natGatewayPerGb}/GB`,
    },
    {
      item: 'Aurora I/O',
      usd: W.auroraIoPerRequest! * P.auroraIoPerMillion!,
      why: `${W.auroraIoPerRequest} I/Os per request`,
    },
    {
      item: 'ElastiCache ECPUs',
      usd: caches > 0 ? W.l2EcpuPerRequest! * P.elasticacheValkeyPerMillionEcpu! : 0,
      why: `${W.l2EcpuPerRequest} ECPUs per request`,
    },
  ];
  return { idle, per, scaling };
}

const money = (v: number) => `$${v.toFixed(2).padStart(8)}`;
for (const stage of stages) {
  const { idle, per, scaling } = price(stage);
  const idleTotal = idle.reduce((a, l) => a + l.usd, 0);
  const perTotal = per.reduce((a, l) => a + l.usd, 0);
  console.log(
    `\n## ${stage}: idle ${money(idleTotal).trim()}/month, ${money(perTotal).trim()} per 1M analyze requests (LLM excluded)`,
  );
  console.log(
    `   Aurora ${scaling.MinCapacity}–${scaling.MaxCapacity} ACU${scaling.SecondsUntilAutoPause ? `, auto-pause after ${scaling.SecondsUntilAutoPause / 60} min` : ''}`,
  );
  console.log('   idle, per month:');
  for (const l of idle.sort((a, b) => b.usd - a.usd))
    console.log(`     ${money(l.usd)}  ${l.item.padEnd(46)} ${l.why}`);
  console.log('   per 1M analyze requests:');
  for (const l of per) console.log(`     ${money(l.usd)}  ${l.item.padEnd(46)} ${l.why}`);
}
