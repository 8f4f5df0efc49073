import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { DB_NAME, DB_PORT, DB_USER, PROXY_IDLE_CLIENT_TIMEOUT_MINUTES, SERVICE_NAME } from '../constants';
import type { DatabaseBinding } from './app-function';
import type { Network } from './network';

export interface DatabaseProps {
  stage: StageConfig;
  network: Network;
}

/**
 * Aurora PostgreSQL Serverless v2 (pgvector is an available extension there) in the isolated subnets, its
 * master credentials in Secrets Manager, and RDS Proxy in front of it. Functions authenticate to the proxy
 * with IAM (`rds-db:connect`, TLS required); the proxy logs in to Aurora with the secret. Only the proxy's
 * security group may reach the cluster.
 */
export class Database extends Construct {
  readonly cluster: rds.DatabaseCluster;
  readonly proxy: rds.DatabaseProxy;
  readonly binding: DatabaseBinding;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const { stage, network } = props;

    const clusterIdentifier = `${SERVICE_NAME}-${stage.stage}`;
    const instance: rds.ServerlessV2ClusterInstanceProps = {
      publiclyAccessible: false,
      enablePerformanceInsights: true,
      performanceInsightRetention: rds.PerformanceInsightRetention.DEFAULT,
    };
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      clusterIdentifier,
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_5 }),
      credentials: rds.Credentials.fromGeneratedSecret(DB_USER, {
        secretName: `${SERVICE_NAME}/${stage.stage}/db-master`,
      }),
      defaultDatabaseName: DB_NAME,
      port: DB_PORT,
      writer: rds.ClusterInstance.serverlessV2('writer', instance),
      readers: Array.from({ length: stage.auroraReaders }, (_, i) =>
        rds.ClusterInstance.serverlessV2(`reader${i + 1}`, { ...instance, scaleWithWriter: true }),
      ),
      serverlessV2MinCapacity: stage.auroraMinAcu,
      ...(stage.auroraAutoPauseMinutes !== undefined
        ? { serverlessV2AutoPauseDuration: Duration.minutes(stage.auroraAutoPauseMinutes) }
        : {}),
      serverlessV2MaxCapacity: stage.auroraMaxAcu,
      vpc: network.vpc,
      vpcSubnets: network.dataSubnets,
      securityGroups: [network.databaseSg],
      storageEncrypted: true,
      iamAuthentication: true,
      backup: { retention: Duration.days(stage.backupRetentionDays) },
      deletionProtection: stage.retainData,
      removalPolicy: stage.retainData ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      cloudwatchLogsExports: ['postgresql'],
    });
    // The exported Postgres log gets its retention here rather than through CDK's LogRetention custom
    // resource (one Lambda fewer); the cluster waits for it so RDS does not create it first.
    const postgresLogs = new logs.LogGroup(this, 'PostgresLogs', {
      logGroupName: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.cluster.node.addDependency(postgresLogs);
    // The generated master secret follows the data: kept with the cluster's snapshot where data is retained.
    const masterSecret = this.cluster.node.findChild('Secret') as secretsmanager.Secret;
    masterSecret.applyRemovalPolicy(stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);

    this.proxy = new rds.DatabaseProxy(this, 'Proxy', {
      proxyTarget: rds.ProxyTarget.fromCluster(this.cluster),
      secrets: [this.cluster.secret!],
      vpc: network.vpc,
      vpcSubnets: network.dataSubnets,
      securityGroups: [network.proxySg],
      requireTLS: true,
      iamAuth: true,
      // Lambda time-outs are seconds: fail fast instead of queueing for the 120 s default.
      borrowTimeout: Duration.seconds(10),
      idleClientTimeout: Duration.minutes(PROXY_IDLE_CLIENT_TIMEOUT_MINUTES),
      maxConnectionsPercent: 90,
      maxIdleConnectionsPercent: 30,
      // Session state set here is not pinning: the request path never runs SET.
      initQuery: 'SET search_path TO public',
    });

    this.binding = { proxy: this.proxy, databaseName: DB_NAME, user: DB_USER, port: DB_PORT };

    Validations.of(this.cluster).acknowledge(
      {
        id: 'AwsSolutions-RDS11',
        reason:
          'The default port is kept: the cluster is reachable only from the RDS Proxy security group in isolated subnets; a non-standard port adds no protection.',
      },
      ...(stage.retainData
        ? []
        : [
            {
              id: 'AwsSolutions-RDS10',
              reason: `Stage ${stage.stage} is disposable (retainData: false); deletion protection is on wherever retainData is true.`,
            },
          ]),
    );
    // The generated master secret is a child of the cluster construct.
    Validations.of(this.cluster).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'No application reads this password (functions use IAM auth to the proxy). Automatic rotation needs a rotation Lambda with direct network access to the cluster, which would break the "only the proxy reaches the database" rule; rotate with the runbook in docs/deploy.md.',
    });
  }
}
