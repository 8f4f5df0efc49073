import type { CfnResource as CdkCfnResource } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertFunctionEnv, type FunctionNeeds, missingEnv, requiredEnv } from '#core/runtime/needs';
import { ANALYSIS_WORKER } from '../../functions/routes';
import type { AppFunction } from '../../lib/constructs/app-function';
import { agentDeadlineMs } from '../../lib/functions';
import { PROD_CONTEXT, type Synthesized, synthesize } from './support/synth';
import { asArray, iamStatements, resources } from './support/template';

/**
 * For every function, three things agree: its needs profile in the route table, the environment the stack
 * gives it, and what its composition root requires at cold start (runtime/needs.ts). A variable the profile
 * does not call for is a leak (a grant and a secret the function does not use); a missing one is an init
 * failure in AWS.
 */

/** Which need each resource variable belongs to. */
const VAR_NEED: Record<string, (n: FunctionNeeds) => boolean> = {
  DATABASE_URL: (n) => n.db,
  DB_SSL: (n) => n.db,
  DB_IAM_AUTH: (n) => n.db,
  DB_POOL_MAX: (n) => n.db,
  DB_IDLE_TIMEOUT_MS: (n) => n.db,
  DB_IDLE_SESSION_TIMEOUT_MS: (n) => n.db,
  NODE_EXTRA_CA_CERTS: (n) => n.db,
  CACHE_PROVIDER: (n) => n.cache,
  RATE_LIMIT_INSTANCES: (n) => n.cache,
  REDIS_URL: (n) => n.cache,
  UPSTASH_SECRET_ARN: (n) => n.cache,
  JWT_SECRET_ARN: (n) => n.jwt,
  LLM_PROVIDER: (n) => n.llm || n.llmKey === true,
  ANTHROPIC_API_KEY_SECRET_ARN: (n) => n.llm || n.llmKey === true,
  AGENT_DEADLINE_MS: (n) => n.llm,
  EMBEDDINGS_PROVIDER: (n) => n.embeddings,
  EMBEDDINGS_MODEL_ID: (n) => n.embeddings,
  JOBS_TABLE: (n) => n.jobs !== undefined,
  JOBS_VISIBILITY_TIMEOUT_SECONDS: (n) => n.jobs !== undefined,
  ANALYSIS_QUEUE_URL: (n) => n.enqueue === true,
};

interface Deployed {
  id: string;
  needs: FunctionNeeds;
  env: Record<string, unknown>;
  fn: AppFunction;
  /** How long the caller waits: the integration time-out, or the worker's own time-out. */
  budgetSeconds: number;
}

function deployed(s: Synthesized): Deployed[] {
  const envOf = (f: AppFunction) => {
    const id = f.fn.stack.getLogicalId(f.fn.node.defaultChild as CdkCfnResource);
    const props = resources(s.api)[id]!.Properties!;
    return (props.Environment as { Variables: Record<string, unknown> }).Variables;
  };
  return [
    ...s.stacks.api.routeFunctions.map(({ route, fn }) => ({
      id: route.id,
      needs: route.needs,
      env: envOf(fn),
      fn,
      budgetSeconds: route.streaming ? route.timeoutSeconds : Math.min(route.timeoutSeconds, 29),
    })),
    {
      id: ANALYSIS_WORKER.id,
      needs: ANALYSIS_WORKER.needs,
      env: envOf(s.stacks.api.worker),
      fn: s.stacks.api.worker,
      budgetSeconds: ANALYSIS_WORKER.timeoutSeconds,
    },
  ];
}

/** Template values (strings or intrinsics) as the process would see them: any value counts as set. */
const asProcessEnv = (env: Record<string, unknown>): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : `<${k}>`]));

describe.each(['dev', 'prod'] as const)('needs, environment and configuration agree (%s)', (stage) => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize({ bundle: false, context: stage === 'prod' ? PROD_CONTEXT : { stage } });
  }, 120_000);
  afterAll(() => s?.cleanup());

  it('gives every function what its profile requires, and its cold-start check passes', () => {
    for (const f of deployed(s)) {
      expect(missingEnv(f.needs, asProcessEnv(f.env)), f.id).toEqual([]);
      expect(() => assertFunctionEnv(f.id, f.needs, asProcessEnv(f.env)), f.id).not.toThrow();
    }
  });

  it('fails the cold-start check naming the variable when any required one is taken away', () => {
    for (const f of deployed(s)) {
      for (const alternatives of requiredEnv(f.needs)) {
        if (alternatives.includes('STAGE')) continue; // without STAGE a function runs as local (dev defaults)
        const env = asProcessEnv(f.env);
        for (const name of alternatives) delete env[name];
        expect(() => assertFunctionEnv(f.id, f.needs, env), `${f.id} without ${alternatives}`).toThrow(
          alternatives[0],
        );
      }
    }
  });

  it('gives no function a resource variable (and so no secret or grant) its profile does not call for', () => {
    for (const f of deployed(s)) {
      for (const name of Object.keys(f.env)) {
        const belongs = VAR_NEED[name];
        if (belongs) expect(belongs(f.needs), `${f.id} has ${name}`).toBe(true);
      }
    }
  });

  it('sets the providers explicitly and derives each agent deadline from what its caller waits', () => {
    const expectedEmbeddings = stage === 'prod' ? 'bedrock' : 'offline';
    for (const f of deployed(s)) {
      // with Redis down each instance enforces its share of the limits: the stage says how many to expect
      if (f.needs.cache) expect(f.env.RATE_LIMIT_INSTANCES, f.id).toBe(stage === 'dev' ? '2' : '10');
      // source maps cost init time: on in dev (diagnostics), off in prod (the .map files still ship)
      expect(f.env.NODE_OPTIONS, f.id).toBe(stage === 'dev' ? '--enable-source-maps' : undefined);
      if (f.needs.llm || f.needs.llmKey) expect(f.env.LLM_PROVIDER, f.id).toBe('anthropic');
      if (f.needs.embeddings) expect(f.env.EMBEDDINGS_PROVIDER, f.id).toBe(expectedEmbeddings);
      if (!f.needs.llm) continue;
      const deadline = Number(f.env.AGENT_DEADLINE_MS);
      expect(deadline, f.id).toBe(agentDeadlineMs(f.budgetSeconds));
      expect(deadline, f.id).toBeLessThan(f.budgetSeconds * 1000);
    }
    const byId = new Map(deployed(s).map((f) => [f.id, Number(f.env.AGENT_DEADLINE_MS)]));
    // long analyses get minutes; the stream ends inside its 60 s integration; analyze inside API Gateway's 29 s
    expect(byId.get('analysis-worker')).toBeGreaterThan(240_000);
    expect(byId.get('decision-analyze-stream')).toBeLessThanOrEqual(57_000);
    expect(byId.get('decision-analyze')).toBeLessThanOrEqual(26_000);
  });

  it('lets exactly the embedding functions call Bedrock when the stage chooses it', () => {
    const statements = iamStatements(s.api);
    for (const f of deployed(s)) {
      const roleId = f.fn.role.stack.getLogicalId(f.fn.role.node.defaultChild as CdkCfnResource);
      const invoke = statements.filter(
        (x) => x.roles.includes(roleId) && asArray(x.statement.Action).includes('bedrock:InvokeModel'),
      );
      const wanted = stage === 'prod' && f.needs.embeddings;
      expect(invoke.length > 0, f.id).toBe(wanted);
      for (const x of invoke) expect(JSON.stringify(x.statement.Resource)).toContain('titan-embed-text-v2');
    }
  });
});
