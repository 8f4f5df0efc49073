/**
 * `npm run bundle-size`: bundles every Lambda entry (API routes, the worker, the migration handler) with the
 * esbuild settings the CDK stack uses (lib/constructs/bundling.ts), prints bytes per function and the
 * biggest packages in each bundle, and exits 1 when a bundle is over its budget or an entry is missing.
 *
 * Budget (minified JS, excluding the source map): 1 MiB per function, bundled with a stage's provider choices
 * (`--stage=dev|prod`, default dev: adapters the stage does not use are dropped, see bundle-flags.ts).
 * Published Node.js Lambda figures put init time at ~171 ms for 1 KB, ~197 ms for 1 MB and ~391 ms for 8 MB
 * bundles; a bundle that grows past the budget has usually picked up something it should not (PGlite, a
 * whole SDK, a second Redis client) and should be looked at, not waved through. Options: --json
 * (machine-readable), --budget-kb=N (override), --stage=NAME.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { stageConfigFromContext } from '../lib/config';
import {
  BUNDLE_EXTERNALS,
  BUNDLE_MAIN_FIELDS,
  BUNDLE_MINIFY,
  BUNDLE_SOURCE_MAP,
  BUNDLE_SOURCES_CONTENT,
  BUNDLE_TARGET,
  type BundleProviders,
  bundleAliases,
  bundleDefines,
  ESM_REQUIRE_BANNER,
} from '../lib/constructs/bundling';
import { allFunctionEntries, type FunctionSpec } from '../lib/functions';

/** 1 MiB of minified JS per function (issue #9's cold-start budget; init grows ~28 ms per extra MB). */
export const DEFAULT_BUDGET_BYTES = 1024 * 1024;

/** The providers of a stage in cdk.json (default dev): they decide which adapters a bundle carries. */
export function stageProviders(
  stage = 'dev',
  root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'),
): BundleProviders {
  const cdk = JSON.parse(readFileSync(path.join(root, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const context: Record<string, unknown> = { ...cdk.context, stage };
  return stageConfigFromContext({ tryGetContext: (k: string) => context[k] });
}

/** Packages that must never reach a Lambda bundle (local-only stand-ins). */
export const FORBIDDEN_PACKAGES = ['@electric-sql/pglite', 'dynalite', 'fauxqs'];

export interface BundleSize {
  id: string;
  entry: string;
  jsBytes: number;
  mapBytes: number;
  gzipBytes: number;
  budgetBytes: number;
  overBudget: boolean;
  forbidden: string[];
  topPackages: { name: string; bytes: number }[];
  /** Every package in the bundle. */
  packages: string[];
  buildMs: number;
}

/** `node_modules/@scope/name/...` → `@scope/name`; our own files → `(app)`. */
export function packageOf(inputPath: string): string {
  const idx = inputPath.lastIndexOf('node_modules/');
  if (idx === -1) return '(app)';
  const parts = inputPath.slice(idx + 'node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? '(unknown)');
}

export function bytesByPackage(meta: Metafile): Map<string, number> {
  const totals = new Map<string, number>();
  for (const [outPath, out] of Object.entries(meta.outputs)) {
    if (outPath.endsWith('.map')) continue;
    for (const [input, info] of Object.entries(out.inputs)) {
      const pkg = packageOf(input);
      totals.set(pkg, (totals.get(pkg) ?? 0) + info.bytesInOutput);
    }
  }
  return totals;
}

export async function measureBundle(
  spec: FunctionSpec,
  projectRoot: string,
  budgetBytes = DEFAULT_BUDGET_BYTES,
  providers: BundleProviders = stageProviders('dev', projectRoot),
): Promise<BundleSize> {
  const started = performance.now();
  const result = await build({
    absWorkingDir: projectRoot,
    entryPoints: [path.join(projectRoot, spec.entry)],
    outfile: path.join(projectRoot, 'cdk.out', 'bundle-size', spec.id, 'index.mjs'),
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLE_TARGET,
    minify: BUNDLE_MINIFY,
    sourcemap: BUNDLE_SOURCE_MAP,
    sourcesContent: BUNDLE_SOURCES_CONTENT,
    mainFields: [...BUNDLE_MAIN_FIELDS],
    banner: { js: ESM_REQUIRE_BANNER },
    define: bundleDefines(providers),
    alias: bundleAliases(projectRoot),
    external: [...BUNDLE_EXTERNALS],
    logLevel: 'silent',
  });
  const buildMs = performance.now() - started;
  const js = result.outputFiles.find((f) => f.path.endsWith('.mjs'));
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'));
  if (!js) throw new Error(`esbuild produced no .mjs for ${spec.id}`);
  const packages = bytesByPackage(result.metafile);
  const topPackages = [...packages.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([name, bytes]) => ({ name, bytes }));
  const forbidden = FORBIDDEN_PACKAGES.filter((p) =>
    [...packages.keys()].some((k) => k === p || k.startsWith(`${p}-`)),
  );
  return {
    id: spec.id,
    entry: spec.entry,
    jsBytes: js.contents.byteLength,
    mapBytes: map?.contents.byteLength ?? 0,
    gzipBytes: gzipSync(js.contents).byteLength,
    budgetBytes,
    overBudget: js.contents.byteLength > budgetBytes,
    forbidden,
    topPackages,
    packages: [...packages.keys()].sort(),
    buildMs,
  };
}

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

function printTable(rows: BundleSize[], missing: FunctionSpec[]): void {
  const header = ['function', 'js', 'gzip', 'map', 'budget', 'status', 'largest packages'];
  const lines = rows.map((r) => [
    r.id,
    kb(r.jsBytes),
    kb(r.gzipBytes),
    kb(r.mapBytes),
    kb(r.budgetBytes),
    r.forbidden.length > 0 ? `FORBIDDEN ${r.forbidden.join(',')}` : r.overBudget ? 'OVER' : 'ok',
    r.topPackages.map((p) => `${p.name} ${kb(p.bytes)}`).join(', '),
  ]);
  for (const m of missing) lines.push([m.id, '-', '-', '-', '-', `MISSING ${m.entry}`, '']);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(fmt(l));
}

async function main(): Promise<void> {
  const projectRoot = fileURLToPath(new URL('..', import.meta.url));
  const args = process.argv.slice(2);
  const budgetArg = args.find((a) => a.startsWith('--budget-kb='));
  const budget = budgetArg ? Number(budgetArg.split('=')[1]) * 1024 : DEFAULT_BUDGET_BYTES;
  if (!Number.isFinite(budget) || budget <= 0) throw new Error(`Bad ${budgetArg}`);

  const stageArg = args.find((a) => a.startsWith('--stage='));
  const providers = stageProviders(stageArg ? stageArg.split('=')[1] : 'dev', projectRoot);
  const specs = allFunctionEntries();
  const missing = specs.filter((s) => !existsSync(path.join(projectRoot, s.entry)));
  const rows: BundleSize[] = [];
  for (const spec of specs) {
    if (missing.includes(spec)) continue;
    rows.push(await measureBundle(spec, projectRoot, budget, providers));
  }

  if (args.includes('--json')) console.log(JSON.stringify({ budgetBytes: budget, rows, missing }, null, 2));
  else printTable(rows, missing);

  const failed = rows.filter((r) => r.overBudget || r.forbidden.length > 0);
  if (failed.length > 0 || missing.length > 0) {
    console.error(
      `bundle-size: ${failed.length} over budget or with forbidden packages, ${missing.length} missing entries`,
    );
    process.exitCode = 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main();
}
