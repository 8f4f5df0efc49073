/**
 * `npm run cold-start [-- --cdk-out DIR] [-- --runs N]`: per function, bundle KB, the median Init Duration of N
 * (default 5) fresh instances in the Lambda host, and the median Duration of each fresh instance's first
 * invocation — with the stacks' `NODE_OPTIONS=--enable-source-maps` and without it. Needs DATABASE_URL (a
 * throw-away database is created on that server and dropped). The first invocation gets a minimal event
 * (API routes: an unauthenticated GET proxy event; the worker: an empty batch; the migration: a Delete), so
 * it measures the path to a first answer, not a full analysis.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startLambdaHost } from '../bin/lambda-host/host';
import type { InvocationReport } from '../bin/lambda-host/pool';
import { synth } from '../bin/lambda-host/synth';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(arg('--runs') ?? 5);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : Number.NaN;
};

const base = process.env.DATABASE_URL;
if (!base) {
  console.error(
    'cold-start needs DATABASE_URL (a PostgreSQL server; a throw-away database is created on it)',
  );
  process.exit(2);
}
let cdkOut = arg('--cdk-out');
let synthDir: string | undefined;
if (!cdkOut) {
  synthDir = mkdtempSync(join(tmpdir(), 'ceo-cold-start-'));
  cdkOut = join(synthDir, 'cdk.out');
  console.error(`cdk synth → ${cdkOut}`);
  synth(cdkOut, arg('--stage') ?? 'dev', { quiet: true });
}
const dbName = `ceo_cold_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: base });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const dbUrl = new URL(base);
dbUrl.pathname = `/${dbName}`;

function eventFor(name: string): unknown {
  if (name.endsWith('-worker')) return { Records: [] };
  if (name.endsWith('-db-migrate')) return { RequestType: 'Delete', PhysicalResourceId: 'cold-start' };
  return {
    resource: '/',
    path: '/',
    httpMethod: 'GET',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: crypto.randomUUID(), stage: 'local', identity: { sourceIp: '127.0.0.1' } },
  };
}

type Row = { fn: string; kb: number; init: Record<string, number>; first: Record<string, number> };
const rows = new Map<string, Row>();
const last = new Map<string, InvocationReport>();
try {
  for (const [label, nodeOptions] of [
    ['source maps', undefined],
    ['no source maps', ''],
  ] as const) {
    const host = await startLambdaHost({
      cdkOut,
      port: 0,
      env: { ...process.env, DATABASE_URL: dbUrl.toString() },
      envOverrides:
        nodeOptions === undefined
          ? { '*': { POWERTOOLS_LOG_LEVEL: 'ERROR' } }
          : { '*': { NODE_OPTIONS: nodeOptions, POWERTOOLS_LOG_LEVEL: 'ERROR' } },
      log: () => {},
      onReport: (r) => last.set(r.functionName, r),
    });
    try {
      for (const def of host.functions) {
        if (!def.handler.startsWith('index.') || !def.env.STAGE) continue; // the app's bundles only
        const pool = host.pools.get(def.key)!;
        const inits: number[] = [];
        const firsts: number[] = [];
        for (let i = 0; i < runs; i++) {
          last.delete(def.name);
          await pool.invoke(eventFor(def.name));
          const report = last.get(def.name);
          if (report?.initDurationMs !== undefined) inits.push(report.initDurationMs);
          if (report) firsts.push(report.durationMs);
          await Promise.all(
            [...pool.instances].map(async (x) => {
              x.kill();
              await x.exited();
            }),
          );
        }
        const row = rows.get(def.name) ?? {
          fn: def.name,
          kb: Math.round(statSync(join(def.taskRoot, 'index.mjs')).size / 1024),
          init: {},
          first: {},
        };
        row.init[label] = median(inits);
        row.first[label] = median(firsts);
        rows.set(def.name, row);
      }
    } finally {
      await host.stop();
    }
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  if (synthDir) rmSync(synthDir, { recursive: true, force: true });
}

console.log(`median of ${runs} fresh instances; Node ${process.versions.node}`);
console.log(
  '| function | bundle KB | Init ms (source maps) | Init ms (none) | first invoke ms (source maps) | first invoke ms (none) |',
);
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of [...rows.values()].sort((a, b) => a.fn.localeCompare(b.fn))) {
  const f = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(0));
  console.log(
    `| ${r.fn} | ${r.kb} | ${f(r.init['source maps'])} | ${f(r.init['no source maps'])} | ${f(r.first['source maps'])} | ${f(r.first['no source maps'])} |`,
  );
}
process.exit(0);
