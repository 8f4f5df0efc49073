import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ROUTES, type RouteSpec } from '../../../functions/routes';
import { buildCeoAgentApp, type CeoAgentStacks, PROJECT_ROOT } from '../../../lib/app';

export interface Synthesized {
  app: App;
  stacks: CeoAgentStacks;
  data: Template;
  api: Template;
  observability: Template;
  routes: readonly RouteSpec[];
  /** Routes added by the test (not in functions/routes.ts), with the reason. */
  addedRoutes: { route: RouteSpec; reason: string }[];
  synthMs: number;
  /** Removes the cloud assembly (bundled assets) from the temp dir. */
  cleanup(): void;
}

export interface SynthOptions {
  /** Extra context (`-c key=value` equivalents), e.g. { stage: 'prod', cacheProvider: 'upstash' }. */
  context?: Record<string, unknown>;
  /** false: skip esbuild (wiring-only tests); the real-tree test keeps it on. */
  bundle?: boolean;
  routes?: readonly RouteSpec[];
}

/**
 * What a prod synth must be given on the command line (cdk.json's prod stage requires it: no placeholder origin,
 * no silent alarms): `-c stage=prod -c corsOrigins=… -c alarmEmail=…`.
 */
export const PROD_CONTEXT = {
  stage: 'prod',
  corsOrigins: 'https://app.example.org',
  alarmEmail: 'ops@example.org',
} as const;

/** The context `cdk synth` would see: cdk.json's, plus overrides. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

/**
 * The streaming route lands with its handler; until functions/routes.ts has a streaming route, the test adds
 * one on an existing handler so the STREAM integration is still checked.
 */
export function routesWithStreaming(routes: readonly RouteSpec[] = ROUTES): {
  routes: RouteSpec[];
  added: { route: RouteSpec; reason: string }[];
} {
  if (routes.some((r) => r.streaming)) return { routes: [...routes], added: [] };
  const base = routes.find((r) => r.id === 'decision-analyze') ?? routes[0];
  if (!base) throw new Error('no routes');
  const route: RouteSpec = {
    ...base,
    id: 'decision-analyze-stream',
    path: '/api/v1/decision/analyze/stream',
    streaming: true,
    timeoutSeconds: 60,
  };
  return {
    routes: [...routes, route],
    added: [{ route, reason: 'no streaming route in functions/routes.ts yet' }],
  };
}

/** One synth of the whole app (three stacks) with the same code path as bin/app.ts. */
export function synthesize(options: SynthOptions = {}): Synthesized {
  const { routes, added } = routesWithStreaming(options.routes ?? ROUTES);
  const missing = [...routes.map((r) => r.entry)].filter((e) => !existsSync(path.join(PROJECT_ROOT, e)));
  if (missing.length > 0) throw new Error(`Route handlers missing on disk: ${missing.join(', ')}`);

  const started = performance.now();
  const outdir = mkdtempSync(path.join(tmpdir(), 'ceo-agent-cdk-'));
  const app = new App({
    outdir,
    context: {
      ...cdkJsonContext(),
      ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
      ...options.context,
    },
  });
  const stacks = buildCeoAgentApp(app, { routes });
  app.synth();
  const synthMs = performance.now() - started;
  return {
    app,
    stacks,
    data: Template.fromStack(stacks.data),
    api: Template.fromStack(stacks.api),
    observability: Template.fromStack(stacks.observability),
    routes,
    addedRoutes: added,
    synthMs,
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

export interface NagFinding {
  rule: string;
  paths: string[];
}

/** cdk-nag AwsSolutions over the app; acknowledged findings are not reported. */
export function nagFindings(app: App): NagFinding[] {
  const report = new AwsSolutionsChecks().validateScope(app);
  return report.violations.map((v) => ({
    rule: v.ruleName,
    paths: v.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId ?? '?'),
  }));
}

/** Every `Validations.acknowledge` in the app: rule id, reason and where. */
export function acknowledgements(app: App): { id: string; reason: string; path: string }[] {
  const out: { id: string; reason: string; path: string }[] = [];
  for (const c of app.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type !== 'aws:cdk:acknowledged-rules') continue;
      for (const [id, reason] of Object.entries(m.data as Record<string, string>)) {
        out.push({ id: id.replace(/^annotation::/i, ''), reason, path: c.node.path });
      }
    }
  }
  return out;
}

export type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

export function stackOf(s: Synthesized, name: 'data' | 'api' | 'observability'): Stack {
  return s.stacks[name];
}
