#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildCeoAgentApp } from '../lib/app';

/**
 * CDK app: `npm run synth` / `npm run deploy` (stage from context: `-c stage=prod`). cdk-nag's AwsSolutions
 * pack validates every synth; an unacknowledged finding fails it.
 */
const app = new App();
buildCeoAgentApp(app);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
