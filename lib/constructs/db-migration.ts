import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CustomResource, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { DB_MIGRATE } from '../functions';
import { AppFunction, type DatabaseOwnerBinding, type FunctionNetwork } from './app-function';

export const MIGRATIONS_SOURCE_DIR = 'layers/core/src/db/migrations';
/** Where the SQL files sit inside the deployed function (next to index.mjs). */
export const MIGRATIONS_LAMBDA_DIR = '/var/task/migrations';

export interface DbMigrationProps {
  stage: StageConfig;
  projectRoot: string;
  network: FunctionNetwork;
  database: DatabaseOwnerBinding;
}

/** sha256 over the migration files' names and contents: a changed or new file changes the resource. */
export function migrationsHash(dir: string): string {
  const h = createHash('sha256');
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.sql'))
    .sort()) {
    h.update(name)
      .update('\0')
      .update(readFileSync(path.join(dir, name)))
      .update('\0');
  }
  return h.digest('hex');
}

/**
 * Applies the SQL migrations on every deploy that changes them: a custom resource (CDK Provider framework)
 * backed by `functions/db-migrate/handler.ts`, which calls the core `migrate(db)` through RDS Proxy. Runs
 * before the API stack deploys (the API stack depends on this one), so new code meets the new schema.
 */
export class DbMigration extends Construct {
  readonly handler: AppFunction;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: DbMigrationProps) {
    super(scope, id);
    const { stage, projectRoot } = props;

    this.handler = new AppFunction(this, 'Handler', {
      id: DB_MIGRATE.id,
      entry: DB_MIGRATE.entry,
      projectRoot,
      memoryMb: DB_MIGRATE.memoryMb,
      timeoutSeconds: DB_MIGRATE.timeoutSeconds,
      description: 'Applies the SQL migrations (CloudFormation custom resource)',
      stage,
      network: props.network,
      afterBundling: (inputDir, outputDir) => [
        `mkdir -p "${outputDir}/migrations"`,
        `cp "${inputDir}/${MIGRATIONS_SOURCE_DIR}"/*.sql "${outputDir}/migrations/"`,
      ],
    });
    this.handler.setEnv('MIGRATIONS_DIR', MIGRATIONS_LAMBDA_DIR).bindDatabaseOwner(props.database);

    const providerLogs = new logs.LogGroup(this, 'ProviderLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.handler.fn,
      logGroup: providerLogs,
    });

    this.resource = new CustomResource(this, 'Schema', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::CeoAgentMigrations',
      properties: { MigrationsHash: migrationsHash(path.join(projectRoot, MIGRATIONS_SOURCE_DIR)) },
    });
    // The cluster's writer must be up before the first run (the endpoint attribute orders that); the handler also
    // retries while it starts. The roles it creates are what the proxy logs in as.

    Validations.of(provider).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'CDK Provider framework function (CDK-owned code): its role uses the AWS-managed basic execution policy.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::<DbMigrationHandlerFunction038B953D.Arn>:*]',
        reason:
          'The framework may invoke any version/alias of the migration handler; the function itself is fixed.',
      },
      {
        id: 'AwsSolutions-L1',
        reason: 'CDK Provider framework function: CDK picks and updates its runtime.',
      },
    );
  }
}
