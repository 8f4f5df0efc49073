import { RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { SERVICE_NAME } from '../constants';
import type { CacheBinding } from './app-function';
import type { Network } from './network';

export interface L2CacheProps {
  stage: StageConfig;
  network: Network;
}

/** Value of placeholder secrets until an operator puts the real one (the runtime treats it as "not set"). */
export const UNSET_SECRET_VALUE = 'unset';

/**
 * The L2 cache chosen by the stage's `cacheProvider`:
 * - `elasticache`: ElastiCache Serverless (Valkey 8) in the isolated subnets, TLS only, reached from the
 *   function security group;
 * - `upstash`: a Secrets Manager secret `{"url","token"}` for Upstash Redis over HTTPS (no VPC resources);
 * - `none`: no L2 (L1 and the source only).
 */
export class L2Cache extends Construct {
  readonly binding: CacheBinding;
  readonly serverlessCache?: elasticache.CfnServerlessCache;

  constructor(scope: Construct, id: string, props: L2CacheProps) {
    super(scope, id);
    const { stage, network } = props;

    if (stage.cacheProvider === 'elasticache') {
      if (!network.cacheSg) throw new Error('cacheProvider elasticache needs the cache security group');
      this.serverlessCache = new elasticache.CfnServerlessCache(this, 'Valkey', {
        serverlessCacheName: `${SERVICE_NAME}-${stage.stage}`,
        description: `${SERVICE_NAME} ${stage.stage} L2 cache`,
        engine: 'valkey',
        majorEngineVersion: '8',
        subnetIds: network.vpc.selectSubnets(network.dataSubnets).subnetIds,
        securityGroupIds: [network.cacheSg.securityGroupId],
        cacheUsageLimits: {
          dataStorage: { maximum: stage.cacheMaxDataGb, unit: 'GB' },
          ecpuPerSecond: { maximum: stage.cacheMaxEcpuPerSecond },
        },
        // Cache contents are rebuilt from the source; snapshots only where data is retained anyway.
        snapshotRetentionLimit: stage.retainData ? 1 : 0,
      });
      this.serverlessCache.applyRemovalPolicy(RemovalPolicy.DESTROY);
      this.binding = {
        provider: 'elasticache',
        endpointAddress: this.serverlessCache.attrEndpointAddress,
        endpointPort: this.serverlessCache.attrEndpointPort,
      };
    } else if (stage.cacheProvider === 'upstash') {
      const secret = new secretsmanager.Secret(this, 'UpstashSecret', {
        secretName: `${SERVICE_NAME}/${stage.stage}/upstash`,
        description:
          'Upstash Redis REST endpoint and token: {"url":"https://…","token":"…"} (set after deploy)',
        secretStringValue: SecretValue.unsafePlainText(
          JSON.stringify({ url: UNSET_SECRET_VALUE, token: UNSET_SECRET_VALUE }),
        ),
        removalPolicy: stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Upstash issues the token; it is rotated in the Upstash console and put here (runbook in docs/deploy.md).',
      });
      this.binding = { provider: 'upstash', secret };
    } else {
      this.binding = { provider: 'none' };
    }
  }
}
