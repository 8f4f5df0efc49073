import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { DB_PORT, REDIS_PORT } from '../constants';

export interface NetworkProps {
  stage: StageConfig;
}

/**
 * VPC with three tiers: `public` (NAT gateways only), `app` (Lambdas; egress through NAT for Claude and
 * Upstash) and `data` (isolated: Aurora, RDS Proxy, ElastiCache). AWS calls stay inside the VPC through
 * gateway endpoints (DynamoDB, S3, free) and interface endpoints (SQS, Secrets Manager).
 *
 * Security groups form a chain: functions → proxy → database (or functions → database where the stage has no
 * RDS Proxy), functions → cache. Besides that one path, only the migration handler (migration group) reaches the
 * database; functions have no egress except HTTPS, Postgres on that path, and the cache.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  readonly appSubnets: ec2.SubnetSelection = { subnetGroupName: 'app' };
  readonly dataSubnets: ec2.SubnetSelection = { subnetGroupName: 'data' };
  readonly functionSg: ec2.SecurityGroup;
  /** Only with the stage setting `rdsProxy`. */
  readonly proxySg?: ec2.SecurityGroup;
  readonly databaseSg: ec2.SecurityGroup;
  /** The migration handler's second group: its direct path to Aurora as the master user (deploys only). */
  readonly migrationSg: ec2.SecurityGroup;
  /** Only with cacheProvider `elasticache`. */
  readonly cacheSg?: ec2.SecurityGroup;
  readonly endpointSg: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { stage } = props;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
      maxAzs: 2,
      natGateways: stage.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: {
        DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
      },
    });

    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('RejectedTraffic', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    const sg = (name: string, description: string) =>
      new ec2.SecurityGroup(this, name, { vpc: this.vpc, description, allowAllOutbound: false });
    this.functionSg = sg(
      'FunctionSg',
      `Lambda functions: HTTPS out, Postgres ${stage.rdsProxy ? 'via the proxy' : 'to Aurora'}, cache`,
    );
    if (stage.rdsProxy) this.proxySg = sg('ProxySg', 'RDS Proxy: from the functions, to the database');
    this.databaseSg = sg(
      'DatabaseSg',
      `Aurora: from ${stage.rdsProxy ? 'RDS Proxy' : 'the functions'} and the migration handler only`,
    );
    this.migrationSg = sg('MigrationSg', 'Migration handler: Postgres to Aurora as the master user');
    this.endpointSg = sg('EndpointSg', 'Interface VPC endpoints: HTTPS from the functions');

    const postgres = ec2.Port.tcp(DB_PORT);
    this.functionSg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS: Claude, Upstash, AWS APIs');
    if (this.proxySg) {
      this.functionSg.connections.allowTo(this.proxySg, postgres, 'Postgres through RDS Proxy');
      this.proxySg.connections.allowTo(this.databaseSg, postgres, 'Proxy to Aurora');
    } else {
      this.functionSg.connections.allowTo(this.databaseSg, postgres, 'Postgres to Aurora (no RDS Proxy)');
    }
    this.migrationSg.connections.allowTo(this.databaseSg, postgres, 'Migrations to Aurora (master user)');
    this.functionSg.connections.allowTo(this.endpointSg, ec2.Port.tcp(443), 'Interface endpoints');
    if (stage.cacheProvider === 'elasticache') {
      this.cacheSg = sg('CacheSg', 'ElastiCache Serverless: from the functions only');
      // ElastiCache Serverless: 6379 is the primary endpoint, 6380 the reader endpoint.
      const redis = ec2.Port.tcpRange(REDIS_PORT, REDIS_PORT + 1);
      this.functionSg.connections.allowTo(this.cacheSg, redis, 'Valkey (TLS)');
    }

    const endpoints = stage.interfaceEndpoints
      ? ([
          ['Sqs', ec2.InterfaceVpcEndpointAwsService.SQS],
          ['SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
        ] as const)
      : [];
    for (const [name, service] of endpoints) {
      this.vpc.addInterfaceEndpoint(name, {
        service,
        subnets: this.appSubnets,
        securityGroups: [this.endpointSg],
        privateDnsEnabled: true,
        open: false,
      });
    }
  }
}
