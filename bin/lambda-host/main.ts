/**
 * `npm run start:lambda [-- options]`: synthesizes the CDK app (or takes --cdk-out DIR) and serves the
 * synthesized artefacts as Lambda runs them, behind a local API Gateway built from the same templates.
 *
 *   --cdk-out DIR            use this cloud assembly instead of synthesizing
 *   --stage NAME             stage to synthesize (default dev; -c stage=NAME)
 *   --port N                 gateway port (PORT, default 3000; 0 = any free port)
 *   --max-instances N        instances per function at most (LAMBDA_HOST_MAX_INSTANCES, default 4)
 *   --max-instances FN=N     the same for one function
 *   --on-limit queue|throttle  beyond the maximum: wait for a free instance (default) or answer 429
 *   --timeout FN=SECONDS     override one function's Timeout
 *   --env [FN:]NAME=VALUE    add or override a variable (all functions, or FN's)
 *   --visibility-timeout S   override every queue's VisibilityTimeout
 *   --idle-timeout-ms MS     end instances idle this long (default 600000)
 *   --stats-interval-ms MS   print `[host] STATS {json}` this often: per function instances, busy, idle, waiting
 *   --node PATH              node binary for the instances (LAMBDA_HOST_NODE; e.g. a Node 22 build)
 *   --no-seed                do not create the demo tenant
 *   --no-claude-stand-in     without ANTHROPIC_API_KEY/ANTHROPIC_BASE_URL, do not start the local Claude
 *                            stand-in: analyze then fails closed (503 llm_not_configured) as a deployed stage would
 * FN is a function name, its logical id, or the end of its name (e.g. decision-analyze).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO } from '#core/orgs/seed';
import { type HostOptions, type LambdaHost, startLambdaHost } from './host';
import { synth } from './synth';

function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env) {
  const opts: Omit<HostOptions, 'cdkOut'> & { cdkOut?: string; stage: string; claudeStandIn?: boolean } = {
    stage: env.STAGE_TO_SYNTH ?? 'dev',
    port: env.PORT ? Number(env.PORT) : 3000,
    maxInstances: env.LAMBDA_HOST_MAX_INSTANCES ? Number(env.LAMBDA_HOST_MAX_INSTANCES) : undefined,
    nodePath: env.LAMBDA_HOST_NODE || undefined,
  };
  const kv = (s: string) => {
    const i = s.indexOf('=');
    if (i < 1) throw new Error(`expected NAME=VALUE, got ${s}`);
    return [s.slice(0, i), s.slice(i + 1)] as const;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--cdk-out':
        opts.cdkOut = next();
        break;
      case '--stage':
        opts.stage = next();
        break;
      case '--port':
        opts.port = Number(next());
        break;
      case '--max-instances': {
        const v = next();
        if (v.includes('=')) {
          const [fn, n] = kv(v);
          opts.maxInstancesFor = { ...opts.maxInstancesFor, [fn]: Number(n) };
        } else opts.maxInstances = Number(v);
        break;
      }
      case '--on-limit': {
        const v = next();
        if (v !== 'queue' && v !== 'throttle') throw new Error('--on-limit is queue or throttle');
        opts.onLimit = v;
        break;
      }
      case '--timeout': {
        const [fn, s] = kv(next());
        opts.timeouts = { ...opts.timeouts, [fn]: Number(s) };
        break;
      }
      case '--env': {
        const v = next();
        const colon = v.indexOf(':');
        const eq = v.indexOf('=');
        const [sel, rest] = colon > 0 && colon < eq ? [v.slice(0, colon), v.slice(colon + 1)] : ['*', v];
        const [name, value] = kv(rest);
        opts.envOverrides = { ...opts.envOverrides, [sel]: { ...opts.envOverrides?.[sel], [name]: value } };
        break;
      }
      case '--visibility-timeout':
        opts.visibilityTimeoutSeconds = Number(next());
        break;
      case '--idle-timeout-ms':
        opts.idleTimeoutMs = Number(next());
        break;
      case '--stats-interval-ms':
        opts.statsIntervalMs = Number(next());
        break;
      case '--node':
        opts.nodePath = next();
        break;
      case '--no-seed':
        opts.seedDemo = false;
        break;
      case '--no-claude-stand-in':
        opts.claudeStandIn = false;
        break;
      default:
        throw new Error(`unknown option ${a}`);
    }
  }
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let synthDir: string | undefined;
  const t0 = performance.now();
  if (!opts.cdkOut) {
    synthDir = mkdtempSync(join(tmpdir(), 'ceo-lambda-synth-'));
    console.log(`[host] cdk synth (stage ${opts.stage}) → ${synthDir}`);
    synth(synthDir, opts.stage);
    console.log(`[host] synthesized in ${Math.round(performance.now() - t0)} ms`);
  }
  let host: LambdaHost | undefined;
  let standIn: { url: string; close(): Promise<void> } | undefined;
  let stopping = false;
  const shutdown = async (signal: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`[host] ${signal}: stopping instances, stand-ins and temp folders…`);
    const force = setTimeout(() => process.exit(code || 1), 10_000);
    force.unref();
    await host?.stop().catch(() => {});
    await standIn?.close().catch(() => {});
    if (synthDir) rmSync(synthDir, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  // The deployed stage is built for Claude and fails closed without a key. Locally, with neither a key nor a
  // base URL, the Claude stand-in (the one the tests use) answers instead — announced, never silent.
  let model = process.env.ANTHROPIC_API_KEY ? 'Claude (ANTHROPIC_API_KEY)' : '';
  if (!model && process.env.ANTHROPIC_BASE_URL)
    model = `ANTHROPIC_BASE_URL ${process.env.ANTHROPIC_BASE_URL}`;
  if (!model && opts.claudeStandIn !== false) {
    const { startFakeAnthropic } = await import('../../test/support/fake-anthropic');
    const { SCENARIOS } = await import('../../test/support/fake-anthropic-scenarios');
    standIn = await startFakeAnthropic({ fallback: SCENARIOS['two-turn-analysis'] });
    process.env.ANTHROPIC_BASE_URL = standIn.url;
    model = `the local Claude stand-in at ${standIn.url} (scripted answers; set ANTHROPIC_API_KEY for Claude)`;
  }
  if (!model) model = 'none: analyze answers 503 llm_not_configured (--no-claude-stand-in)';
  try {
    host = await startLambdaHost({ ...opts, cdkOut: opts.cdkOut ?? synthDir! });
  } catch (err) {
    console.error(`[host] failed to start: ${(err as Error).stack ?? err}`);
    await shutdown('error', 1);
    return;
  }
  const s = host.summary;
  console.log(`ceo-agent Lambda host listening on ${host.url}  (ready in ${Math.round(host.startMs)} ms)`);
  console.log(
    `  artefacts: ${opts.cdkOut ?? synthDir} (stage ${String(s.stage)}), ${host.functions.length} functions`,
  );
  console.log(`  database:  ${String(s.database)}`);
  console.log(`  cache:     ${String(s.cache)}`);
  console.log(`  model:     ${model}`);
  console.log(`  routes:    ${(s.routes as string[]).join(', ')}`);
  if (opts.seedDemo !== false) console.log(`  demo login: ${DEMO.email} / ${DEMO.password}`);
  console.log(`  try: curl -s ${host.url}/health`);
  // One machine-readable line for scripts and tests.
  console.log(`LAMBDA_HOST_READY ${JSON.stringify({ ...s, startMs: Math.round(host.startMs) })}`);
}

await main();
