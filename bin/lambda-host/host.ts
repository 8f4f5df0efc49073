import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { createSqsClient } from '#core/queue/queue';
import { type SqsPoller, startSqsPoller } from '../local/aws/sqs-poller';
import { type LocalServices, startLocalServices } from './aws';
import { type Database, openDatabase } from './database';
import { type Gateway, readApi, startGateway } from './gateway';
import type { FunctionDef } from './instance';
import { FunctionPool, type InvocationReport, type PoolStats } from './pool';
import {
  type Assembly,
  type LocalBindings,
  loadAssembly,
  type ResourceRef,
  UnresolvableError,
} from './template';

/**
 * `npm run start:lambda`: the synthesized artefacts (cdk.out) run as Lambda runs them, behind a local API
 * Gateway built from the same templates. See README "Local runtime: two modes".
 */
export interface HostOptions {
  cdkOut: string;
  port?: number;
  host?: string;
  /** Host environment the "what the template points at" variables come from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Instances per function at most (default 4). */
  maxInstances?: number;
  /** Per-function maximum (selector → n), overriding maxInstances. */
  maxInstancesFor?: Record<string, number>;
  /** What a request beyond the maximum gets: wait for a free instance (default) or a 429 (Lambda throttling). */
  onLimit?: 'queue' | 'throttle';
  /** Idle instances are ended after this long (default 10 minutes). */
  idleTimeoutMs?: number;
  /** Function timeout overrides, seconds (selector → s). */
  timeouts?: Record<string, number>;
  /** Extra/overriding variables: `{ '*': {...}, '<selector>': {...} }`. */
  envOverrides?: Record<string, Record<string, string>>;
  /** Overrides every queue's VisibilityTimeout (seconds). */
  visibilityTimeoutSeconds?: number;
  /** Run the app's custom resources (the migrations) at start (default true). */
  customResources?: boolean;
  /** Create the demo org and user (default true). */
  seedDemo?: boolean;
  /** The node binary instances run on (default: this one). */
  nodePath?: string;
  log?: (line: string) => void;
  onReport?: (r: InvocationReport) => void;
  /**
   * Print `[host] STATS {json}` this often: per function, instances alive, busy, idle, invocations waiting for an
   * instance and those dropped while waiting (the queue a load test builds). Off when unset.
   */
  statsIntervalMs?: number;
}

export interface LambdaHost {
  url: string;
  functions: FunctionDef[];
  pools: Map<string, FunctionPool>;
  services: LocalServices;
  database: Database;
  workDir: string;
  /** ms from start() to serving */
  startMs: number;
  summary: Record<string, unknown>;
  stop(): Promise<void>;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const DB_ENDPOINT = '\u0000local-database\u0000';
const CACHE_ENDPOINT = '\u0000local-cache\u0000';
const DB_TYPES = new Set([
  'AWS::RDS::DBProxy',
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBProxyEndpoint',
]);
const CACHE_TYPES = new Set([
  'AWS::ElastiCache::ServerlessCache',
  'AWS::ElastiCache::CacheCluster',
  'AWS::ElastiCache::ReplicationGroup',
]);

/** A function selector matches the FunctionName, the logical id, or the end of the name (`-<selector>`). */
export function selects(selector: string, def: Pick<FunctionDef, 'name' | 'logicalId'>): boolean {
  return (
    selector === '*' ||
    selector === def.name ||
    selector === def.logicalId ||
    def.name.endsWith(`-${selector}`)
  );
}

function pick<T>(map: Record<string, T> | undefined, def: FunctionDef): T | undefined {
  if (!map) return undefined;
  let out: T | undefined;
  for (const [sel, v] of Object.entries(map)) if (sel !== '*' && selects(sel, def)) out = v;
  return out ?? map['*'];
}

/** Fails when a node_modules folder is reachable from `dir` (an instance must resolve only its own bundle). */
function assertNoNodeModulesAbove(dir: string): void {
  let d = dir;
  const root = parse(d).root;
  while (d !== root) {
    d = dirname(d);
    if (existsSync(join(d, 'node_modules'))) {
      throw new Error(
        `${join(d, 'node_modules')} is reachable from the instances' folder ${dir}; set TMPDIR elsewhere`,
      );
    }
  }
}

export async function startLambdaHost(opts: HostOptions): Promise<LambdaHost> {
  const t0 = performance.now();
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => console.log(line));
  const assembly = loadAssembly(opts.cdkOut, { region: env.AWS_REGION ?? 'us-east-1' });
  const workDir = mkdtempSync(join(tmpdir(), 'ceo-lambda-host-'));
  assertNoNodeModulesAbove(join(workDir, 'task'));
  const cleanups: Array<() => Promise<void> | void> = [
    () => rmSync(workDir, { recursive: true, force: true }),
  ];
  const stopAll = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        log(`[host] cleanup: ${(err as Error).message}`);
      }
    }
  };

  try {
    // The functions: every AWS::Lambda::Function whose asset holds its handler file.
    const bootstrapPath = join(workDir, 'runtime', 'bootstrap.mjs');
    mkdirSync(dirname(bootstrapPath), { recursive: true });
    cpSync(join(HERE, 'bootstrap.mjs'), bootstrapPath);
    const candidates = assembly.resources('AWS::Lambda::Function').flatMap((r) => {
      const p = r.resource.Properties ?? {};
      const code = p.Code as { S3Key?: unknown } | undefined;
      if (typeof code?.S3Key !== 'string') return [];
      const asset = join(assembly.dir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
      const handler = String(p.Handler ?? 'index.handler');
      const file = handler.slice(0, handler.lastIndexOf('.'));
      if (!['.mjs', '.js', '.cjs'].some((ext) => existsSync(join(asset, `${file}${ext}`)))) return [];
      const name =
        typeof p.FunctionName === 'string' ? p.FunctionName : `${r.stack.name}-${r.logicalId}`.slice(0, 64);
      return [{ r, asset, name, handler }];
    });
    const byArn = new Map<string, string>();
    const arnOf = (name: string) =>
      `arn:aws:lambda:${assembly.region}:${assembly.accountId}:function:${name}`;
    for (const c of candidates) byArn.set(arnOf(c.name), `${c.r.stack.name}/${c.r.logicalId}`);

    const database = await openDatabase({ env, log, workDir });
    cleanups.push(() => database.stop());

    const services = await startLocalServices(assembly, {
      visibilityTimeoutSeconds: opts.visibilityTimeoutSeconds,
    });
    cleanups.push(() => services.stop());

    const bindings: LocalBindings = {
      ref: (r) => {
        const local = services.bind(r);
        if (local !== undefined) return local;
        if (r.resource.Type === 'AWS::Lambda::Function') return nameOf(r);
        if (DB_TYPES.has(r.resource.Type)) return DB_ENDPOINT;
        if (CACHE_TYPES.has(r.resource.Type)) return CACHE_ENDPOINT;
        return undefined;
      },
      getAtt: (r, attr) => {
        const local = services.bind(r, attr);
        if (local !== undefined) return local;
        if (r.resource.Type === 'AWS::Lambda::Function' && attr === 'Arn') return arnOf(nameOf(r));
        if (DB_TYPES.has(r.resource.Type)) return DB_ENDPOINT;
        if (CACHE_TYPES.has(r.resource.Type)) return CACHE_ENDPOINT;
        return undefined;
      },
    };
    function nameOf(r: ResourceRef): string {
      const c = candidates.find((x) => x.r.logicalId === r.logicalId && x.r.stack === r.stack);
      const fn = r.resource.Properties?.FunctionName;
      return c?.name ?? (typeof fn === 'string' ? fn : `${r.stack.name}-${r.logicalId}`);
    }

    const localNodeMajor = Number(process.versions.node.split('.')[0]);
    const functions: FunctionDef[] = [];
    for (const c of candidates) {
      const p = c.r.resource.Properties ?? {};
      const taskRoot = join(workDir, 'task', c.r.logicalId);
      cpSync(c.asset, taskRoot, { recursive: true });
      const def: FunctionDef = {
        key: `${c.r.stack.name}/${c.r.logicalId}`,
        logicalId: c.r.logicalId,
        stackName: c.r.stack.name,
        name: c.name,
        arn: arnOf(c.name),
        handler: c.handler,
        runtime: String(p.Runtime ?? 'nodejs22.x'),
        memoryMb: Number(p.MemorySize ?? 128),
        timeoutSeconds: Number(p.Timeout ?? 3),
        taskRoot,
        env: {},
      };
      const timeout = pick(opts.timeouts, def);
      if (timeout !== undefined) def.timeoutSeconds = timeout;
      def.env = functionEnv(def, c.r, assembly, bindings, services, database, env, opts, log);
      const major = /^nodejs(\d+)/.exec(def.runtime)?.[1];
      if (major && Number(major) !== localNodeMajor && !opts.nodePath) {
        def.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
      }
      functions.push(def);
    }
    // A variable NAME_SECRET_ARN (or NAME_ARN) pointing at a local secret takes the host's NAME when it is set.
    for (const def of functions) {
      for (const [k, v] of Object.entries(def.env)) {
        const base = k.replace(/_SECRET_ARN$|_ARN$/, '');
        if (base === k || !v.startsWith('arn:aws:secretsmanager:')) continue;
        // The Claude stand-in (ANTHROPIC_BASE_URL without a key) takes any key: the secret must not say `unset`.
        const value =
          env[base] ||
          (base === 'ANTHROPIC_API_KEY' && env.ANTHROPIC_BASE_URL ? 'local-claude-stand-in' : undefined);
        if (value) services.putSecret(v, value);
      }
    }

    const pools = new Map<string, FunctionPool>();
    const poolFor = (def: FunctionDef) => {
      let pool = pools.get(def.key);
      if (!pool) {
        pool = new FunctionPool({
          def,
          nodePath: opts.nodePath ?? process.execPath,
          bootstrapPath,
          workDir,
          maxInstances: pick(opts.maxInstancesFor, def) ?? opts.maxInstances ?? 4,
          onLimit: opts.onLimit ?? 'queue',
          idleTimeoutMs: opts.idleTimeoutMs ?? 10 * 60_000,
          log,
          onReport: opts.onReport,
        });
        pools.set(def.key, pool);
      }
      return pool;
    };
    for (const def of functions) poolFor(def);
    cleanups.push(async () => {
      await Promise.all([...pools.values()].map((p) => p.close()));
    });
    if (opts.statsIntervalMs && opts.statsIntervalMs > 0) {
      const stats = setInterval(
        () => log(`[host] STATS ${JSON.stringify(poolStats(pools))}`),
        opts.statsIntervalMs,
      );
      stats.unref();
      cleanups.push(() => clearInterval(stats));
    }

    // The deploy-time custom resources backed by the app's own bundles (the schema migrations) run once.
    if (opts.customResources !== false) {
      for (const cr of assembly.resources()) {
        if (
          !cr.resource.Type.startsWith('Custom::') &&
          cr.resource.Type !== 'AWS::CloudFormation::CustomResource'
        ) {
          continue;
        }
        let token: string;
        try {
          token = String(assembly.resolve(cr.resource.Properties?.ServiceToken, cr.stack, bindings));
        } catch {
          continue;
        }
        let target = functions.find((f) => f.arn === token);
        // A CDK Provider framework function hands the event to its user function (USER_ON_EVENT_FUNCTION_ARN).
        const user = target?.env.USER_ON_EVENT_FUNCTION_ARN;
        if (user) target = functions.find((f) => f.arn === user);
        if (!target?.handler || !existsSync(join(target.taskRoot, 'index.mjs'))) continue;
        const props = assembly.resolve(cr.resource.Properties ?? {}, cr.stack, bindings) as Record<
          string,
          unknown
        >;
        log(`[host] custom resource ${cr.logicalId} (${cr.resource.Type}) → ${target.name}`);
        const outcome = await poolFor(target).invoke({
          RequestType: 'Create',
          ServiceToken: token,
          ResponseURL: 'http://127.0.0.1:9/unused',
          StackId: `arn:aws:cloudformation:${assembly.region}:${assembly.accountId}:stack/${cr.stack.name}/local`,
          RequestId: crypto.randomUUID(),
          LogicalResourceId: cr.logicalId,
          ResourceType: cr.resource.Type,
          ResourceProperties: props,
        });
        if (outcome.kind !== 'response') {
          const why =
            outcome.kind === 'error' ? `${outcome.errorType}: ${outcome.errorMessage}` : outcome.kind;
          throw new Error(`custom resource ${cr.logicalId} failed: ${why}`);
        }
        log(`[host] custom resource ${cr.logicalId}: ${outcome.payload.toString('utf8').slice(0, 300)}`);
      }
    }
    if (opts.seedDemo !== false) await database.seedDemo();

    // SQS event source mappings → pollers feeding real SQS event batches to the function's instances.
    const pollers: SqsPoller[] = [];
    cleanups.push(async () => {
      await Promise.all(pollers.map((p) => p.stop()));
    });
    const mappings: Record<string, unknown>[] = [];
    for (const m of assembly.resources('AWS::Lambda::EventSourceMapping')) {
      const p = m.resource.Properties ?? {};
      const sourceArn = String(assembly.resolve(p.EventSourceArn, m.stack, bindings));
      const fnRef = String(assembly.resolve(p.FunctionName, m.stack, bindings));
      const def = functions.find((f) => f.name === fnRef || f.arn === fnRef);
      const queue = [...services.queues.values()].find((q) => q.arn === sourceArn);
      if (!def || !queue) {
        log(
          `[host] event source mapping ${m.logicalId}: source ${sourceArn} or function ${fnRef} not local; skipped`,
        );
        continue;
      }
      if (p.Enabled === false) continue;
      const batchSize = Number(p.BatchSize ?? 10);
      const reportFailures = ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes(
        'ReportBatchItemFailures',
      );
      const concurrency = Number(
        (p.ScalingConfig as { MaximumConcurrency?: number })?.MaximumConcurrency ?? 5,
      );
      const pool = poolFor(def);
      const client = createSqsClient({
        region: assembly.region,
        endpoint: services.sqsEndpoint,
        requestTimeoutMs: 25_000,
      });
      cleanups.push(() => client.destroy());
      await client.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['QueueArn'] }));
      pollers.push(
        startSqsPoller({
          client,
          queueUrl: queue.url,
          queueArn: queue.arn,
          region: assembly.region,
          batchSize,
          waitTimeSeconds: 5,
          concurrency,
          functionName: def.name,
          // The pool enforces the function's timeout itself; this only bounds a stuck host.
          invocationTimeoutMs: def.timeoutSeconds * 1000 + 30_000,
          handler: async (event) => {
            const outcome = await pool.invoke(event);
            if (outcome.kind !== 'response') {
              throw new Error(
                `${def.name}: ${outcome.kind === 'error' ? `${outcome.errorType}: ${outcome.errorMessage}` : outcome.kind}`,
              );
            }
            if (!reportFailures) return undefined;
            return JSON.parse(outcome.payload.toString('utf8') || 'null') as SQSBatchResponse | null;
          },
          onError: (err) => log(`[host] ${def.name} batch failed: ${(err as Error).message ?? err}`),
        }),
      );
      mappings.push({ function: def.name, queue: queue.url, batchSize, reportFailures, concurrency });
    }

    const api = readApi(assembly, bindings, (arn) => byArn.get(arn));
    const gateway: Gateway = await startGateway({
      api,
      pools,
      port: opts.port ?? 3000,
      host: opts.host ?? '127.0.0.1',
      log,
    });
    cleanups.push(() => gateway.close());

    const summary = {
      url: gateway.url,
      stage: api.stageName,
      database: database.describe,
      databaseUrl: database.url,
      cache: env.REDIS_URL ? env.REDIS_URL : 'none',
      routes: api.routes
        .filter((r) => !r.mock)
        .map((r) => `${r.method} ${r.path}${r.streaming ? ' (stream)' : ''}`),
      queues: Object.fromEntries([...services.queues.values()].map((q) => [q.logicalId, q.url])),
      sqsEndpoint: services.sqsEndpoint,
      dynamodbEndpoint: services.dynamoEndpoint,
      secretsEndpoint: services.secretsEndpoint,
      tables: Object.fromEntries(services.tables),
      mappings,
      workDir,
    };
    let stopped = false;
    return {
      url: gateway.url,
      functions,
      pools,
      services,
      database,
      workDir,
      startMs: performance.now() - t0,
      summary,
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Every pool's stats by function name, at one instant (the STATS line). */
export function poolStats(pools: ReadonlyMap<string, FunctionPool>): {
  t: string;
  functions: Record<string, PoolStats>;
} {
  return {
    t: new Date().toISOString(),
    functions: Object.fromEntries([...pools.values()].map((p) => [p.def.name, p.stats()])),
  };
}

/** The environment of one function's instances: Lambda's variables, then the template's, resolved locally. */
function functionEnv(
  def: FunctionDef,
  r: ResourceRef,
  assembly: Assembly,
  bindings: LocalBindings,
  services: LocalServices,
  database: Database,
  hostEnv: NodeJS.ProcessEnv,
  opts: HostOptions,
  log: (line: string) => void,
): Record<string, string> {
  const out: Record<string, string> = {
    PATH: hostEnv.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: def.taskRoot,
    LAMBDA_RUNTIME_DIR: join(dirname(dirname(def.taskRoot)), 'runtime'),
    _HANDLER: def.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_${def.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: def.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(def.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${def.name}`,
    AWS_REGION: assembly.region,
    AWS_DEFAULT_REGION: assembly.region,
    AWS_ACCESS_KEY_ID: 'ASIALOCALLAMBDAHOST0',
    AWS_SECRET_ACCESS_KEY: 'local-lambda-host-secret-access-key',
    AWS_SESSION_TOKEN: 'local-lambda-host-session-token',
    AWS_ENDPOINT_URL_DYNAMODB: services.dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: services.sqsEndpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: services.secretsEndpoint,
  };
  const logging = (r.resource.Properties?.LoggingConfig ?? {}) as { LogGroup?: unknown };
  if (logging.LogGroup) {
    try {
      out.AWS_LAMBDA_LOG_GROUP_NAME = String(assembly.resolve(logging.LogGroup, r.stack, bindings));
    } catch {
      // a log group resource has no local value: keep the default name
    }
  }
  const vars = ((r.resource.Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables ??
    {}) as Record<string, unknown>;
  let usesDatabase = false;
  for (const [k, v] of Object.entries(vars)) {
    let value: string;
    try {
      value = String(assembly.resolve(v, r.stack, bindings));
    } catch (err) {
      if (!(err instanceof UnresolvableError)) throw err;
      log(`[host] ${def.name}: ${k} dropped (${err.message})`);
      continue;
    }
    if (value.includes(DB_ENDPOINT)) {
      value = database.url;
      usesDatabase = true;
    } else if (value.includes(CACHE_ENDPOINT)) {
      if (!hostEnv.REDIS_URL) continue;
      value = hostEnv.REDIS_URL;
    } else if (value === '/var/task' || value.startsWith('/var/task/')) {
      value = def.taskRoot + value.slice('/var/task'.length);
    }
    out[k] = value;
  }
  if (usesDatabase) {
    // The local database speaks neither TLS nor RDS IAM auth.
    if ('DB_SSL' in out) out.DB_SSL = 'false';
    if ('DB_IAM_AUTH' in out) out.DB_IAM_AUTH = 'false';
    // The migration handler's master password (an RDS-managed secret) and the RDS CA bundle have no local
    // counterpart: the local URL carries its own credentials.
    delete out.DB_MASTER_SECRET_ARN;
    delete out.NODE_EXTRA_CA_CERTS;
  }
  // The Claude endpoint the host is configured with reaches the functions that talk to Claude.
  if (hostEnv.ANTHROPIC_BASE_URL && Object.keys(vars).some((k) => k.startsWith('ANTHROPIC_'))) {
    out.ANTHROPIC_BASE_URL = hostEnv.ANTHROPIC_BASE_URL;
  }
  const overrides = Object.entries(opts.envOverrides ?? {}).sort(([a], [b]) =>
    a === '*' ? -1 : b === '*' ? 1 : 0,
  );
  for (const [sel, values] of overrides) {
    if (selects(sel, def)) Object.assign(out, values);
  }
  return out;
}
