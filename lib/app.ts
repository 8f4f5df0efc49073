import { fileURLToPath } from 'node:url';
import { type App, Tags } from 'aws-cdk-lib';
import { ROUTES, type RouteSpec } from '../functions/routes';
import { ApiStack } from './api-stack';
import { type StageConfig, stageConfigFromContext } from './config';
import { SERVICE_NAME } from './constants';
import { DataStack } from './data-stack';
import type { FunctionSpec } from './functions';
import { ObservabilityStack } from './observability-stack';

/** The repository root (NodejsFunction bundles from here; route entries are relative to it). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface CeoAgentStacks {
  config: StageConfig;
  data: DataStack;
  api: ApiStack;
  observability: ObservabilityStack;
}

export interface BuildOptions {
  routes?: readonly RouteSpec[];
  projectRoot?: string;
  /** Entry file for a function, relative to projectRoot (tests point missing handlers at a stub). */
  entryFor?: (spec: FunctionSpec) => string;
}

/** Adds the three stacks of one stage (from the app's context) to `app`. */
export function buildCeoAgentApp(app: App, options: BuildOptions = {}): CeoAgentStacks {
  const config = stageConfigFromContext(app.node);
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const prefix = `CeoAgent-${config.stage}`;
  const description = (part: string) => `${SERVICE_NAME} ${config.stage}: ${part}`;

  const data = new DataStack(app, `${prefix}-Data`, {
    stage: config,
    projectRoot,
    description: description('network, Aurora + RDS Proxy, cache, DynamoDB, SQS, secrets'),
  });
  const api = new ApiStack(app, `${prefix}-Api`, {
    stage: config,
    projectRoot,
    data,
    routes: options.routes ?? ROUTES,
    entryFor: options.entryFor,
    description: description('REST API, one Lambda per route, analysis worker'),
  });
  const observability = new ObservabilityStack(app, `${prefix}-Observability`, {
    stage: config,
    api,
    data,
    description: description('KPI dashboard and alarms'),
  });
  for (const stack of [data, api, observability]) {
    Tags.of(stack).add('service', SERVICE_NAME);
    Tags.of(stack).add('stage', config.stage);
  }
  return { config, data, api, observability };
}
