import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { DB_NAME, DB_PORT, DB_USERS, PROXY_IDLE_CLIENT_TIMEOUT_MINUTES, SERVICE_NAME } from '../constants';
import type { DatabaseBinding, DatabaseOwnerBinding } from './app-function';
import type { Network } from './network';

export interface DatabaseProps {
  stage: StageConfig;
  network: Network;
}

/**
 * Aurora PostgreSQL Serverless v2 (pgvector is an available extension there) in the isolated subnets, with RDS
 * Proxy in front of it where the stage says so (`rdsProxy`).
 *
 * Who logs in as whom:
 * - the functions log in with IAM auth (no password anywhere) as the application role `ceo_app` (DML) or the
 *   read-only role `ceo_readonly`, both created with `rds_iam` by migration 0005_roles.sql. With the proxy the
 *   client signs a token for its user (`rds-db:connect` on the proxy for that user) and the proxy signs its own
 *   to Aurora (`rds-db:connect` on the cluster for the same user). Without it the client signs its token for the
 *   cluster endpoint and holds `rds-db:connect` on the cluster for its user: the same roles, the same TLS.
 * - the master user `ceo_admin` (DDL, owner of the schema) is used only by the migration handler, which connects
 *   to the cluster directly with the master password. RDS generates that password, keeps it in Secrets Manager
 *   and rotates it (every 7 days by default): nothing else can read it, and no rotation Lambda needs a network
 *   path to the cluster.
 */
export class Database extends Construct {
  readonly cluster: rds.DatabaseCluster;
  /** Only with the stage setting `rdsProxy`. */
  readonly proxy?: rds.DatabaseProxy;
  /** The role RDS Proxy uses to log in to Aurora (IAM: `rds-db:connect` for the application users). */
  readonly proxyRole?: iam.Role;
  /** As the application role (read/write data, no DDL), through the proxy or to the cluster. */
  readonly writeBinding: DatabaseBinding;
  /** As the read-only role, through the proxy or to the cluster. */
  readonly readBinding: DatabaseBinding;
  /** Direct to the cluster as the master user: the migration handler only. */
  readonly ownerBinding: DatabaseOwnerBinding;

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
      // RDS generates the master password into Secrets Manager and rotates it (no CDK secret, no rotation Lambda).
      credentials: rds.Credentials.fromUsername(DB_USERS.owner),
      manageMasterUserPassword: true,
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

    if (stage.rdsProxy) {
      const proxySg = network.proxySg;
      if (!proxySg) throw new Error('rdsProxy: the network has no proxy security group');
      // End-to-end IAM: the proxy logs in to Aurora as the application users with its own IAM token.
      const proxyRole = new iam.Role(this, 'ProxyRole', {
        assumedBy: new iam.ServicePrincipal('rds.amazonaws.com'),
        description: `RDS Proxy ${clusterIdentifier}: IAM login to Aurora as the application users`,
      });
      proxyRole.addToPolicy(
        new iam.PolicyStatement({
          actions: ['rds-db:connect'],
          resources: [DB_USERS.write, DB_USERS.read].map((user) =>
            Stack.of(this).formatArn({
              service: 'rds-db',
              resource: 'dbuser',
              resourceName: `${this.cluster.clusterResourceIdentifier}/${user}`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ),
        }),
      );
      const proxy = new rds.DatabaseProxy(this, 'Proxy', {
        proxyTarget: rds.ProxyTarget.fromCluster(this.cluster),
        defaultAuthScheme: rds.DefaultAuthScheme.IAM_AUTH,
        role: proxyRole,
        vpc: network.vpc,
        vpcSubnets: network.dataSubnets,
        securityGroups: [proxySg],
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
      this.proxy = proxy;
      this.proxyRole = proxyRole;
      const through = (user: string): DatabaseBinding => ({
        via: 'proxy',
        host: proxy.endpoint,
        databaseName: DB_NAME,
        user,
        port: DB_PORT,
        grantConnect: (grantee) => proxy.grantConnect(grantee, user),
      });
      this.writeBinding = through(DB_USERS.write);
      this.readBinding = through(DB_USERS.read);
    } else {
      // Straight to the writer: the client signs its IAM token for the cluster endpoint, so the grant names the
      // cluster (`dbuser:<cluster resource id>/<user>`).
      const direct = (user: string): DatabaseBinding => ({
        via: 'cluster',
        host: this.cluster.clusterEndpoint.hostname,
        databaseName: DB_NAME,
        user,
        port: DB_PORT,
        grantConnect: (grantee) => this.cluster.grantConnect(grantee, user),
      });
      this.writeBinding = direct(DB_USERS.write);
      this.readBinding = direct(DB_USERS.read);
    }
    this.ownerBinding = {
      host: this.cluster.clusterEndpoint.hostname,
      port: DB_PORT,
      databaseName: DB_NAME,
      user: DB_USERS.owner,
      masterSecret: this.cluster.secret!,
    };

    Validations.of(this.cluster).acknowledge(
      {
        id: 'AwsSolutions-RDS11',
        reason: `The default port is kept: the cluster sits in isolated subnets and its security group admits only ${stage.rdsProxy ? 'RDS Proxy' : 'the function security group'} and the migration handler; a non-standard port adds no protection.`,
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
  }
}
