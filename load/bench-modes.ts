/**
 * The two local modes side by side: analyze latency (every request a fresh question, so every request runs the
 * agent against the Claude stand-in answering at once) through `npm start` (sources under tsx, one process)
 * and through `npm run start:lambda` (the synthesized bundles, one process per instance, up to 20 instances),
 * at 1 and at 20 concurrent clients, and the cold starts per 100 requests at 20 concurrent.
 *   npx tsx load/bench-modes.ts        (DATABASE_URL: a PostgreSQL server to create throw-away databases on)
 * Prints figures; asserts nothing. Stops both servers (whole process groups) and drops the databases.
 */
import './bench-env';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { synth } from '../bin/lambda-host/synth';
import { migrate } from '../layers/core/src/db/migrate';
import { createPgDb } from '../layers/core/src/db/pg';
import { startHostProcess, throwAwayDatabase } from '../test/lambda/support/host-process';
import { addUser, type TestUser } from '../test/support/api';
import { startFakeAnthropic } from '../test/support/fake-anthropic';
import { SCENARIOS } from '../test/support/fake-anthropic-scenarios';
import { summary } from './stats';

const CLIENTS = 20;
const REQUESTS_AT_1 = Number(process.env.BENCH_REQUESTS_AT_1 ?? 20);
const REQUESTS_AT_20 = Number(process.env.BENCH_REQUESTS_AT_20 ?? 100);

async function users(url: string, n: number): Promise<TestUser[]> {
  const db = createPgDb({
    connectionString: url,
    poolMax: 2,
    statementTimeoutMs: 30_000,
    connectTimeoutMs: 5_000,
  });
  try {
    await migrate(db);
    const out: TestUser[] = [];
    for (let i = 0; i < n; i++) out.push(await addUser(db));
    return out;
  } finally {
    await db.close();
  }
}

async function tokens(base: string, us: TestUser[]): Promise<string[]> {
  const out: string[] = [];
  for (const u of us) {
    const r = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: u.email, password: u.password }),
    });
    if (r.status !== 200) throw new Error(`login ${r.status}: ${await r.text()}`);
    out.push(((await r.json()) as { access_token: string }).access_token);
  }
  return out;
}

/** `total` analyze requests over `concurrency` clients, each client with its own user; fresh questions. */
async function run(base: string, toks: string[], concurrency: number, total: number) {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, c) => {
      while (next < total) {
        next++;
        const t = performance.now();
        const r = await fetch(`${base}/api/v1/decision/analyze`, {
          method: 'POST',
          headers: { authorization: `Bearer ${toks[c]}`, 'content-type': 'application/json' },
          body: JSON.stringify({ query: `Should we open office ${randomBytes(4).toString('hex')} in 2027?` }),
        });
        await r.arrayBuffer();
        if (r.status === 200) latencies.push(performance.now() - t);
        else errors++;
      }
    }),
  );
  return { ...summary(latencies), errors };
}

function startSources(env: Record<string, string>): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
    env: { ...process.env, ...env, PORT: '0', LOG_LEVEL: 'WARN' },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout! });
    lines.on('line', (l) => {
      const m = /listening on (http:\/\/\S+)/.exec(l);
      if (m) resolve({ url: m[1]!, proc });
    });
    proc.once('exit', (code) => reject(new Error(`npm start exited with ${code}`)));
  });
}

const claude = await startFakeAnthropic({ fallback: SCENARIOS['two-turn-analysis'] });
const synthDir = mkdtempSync(join(tmpdir(), 'bench-modes-'));
const cdkOut = join(synthDir, 'cdk.out');
synth(cdkOut, 'dev', { quiet: true });
const [dbSources, dbLambda] = await Promise.all([throwAwayDatabase(), throwAwayDatabase()]);
if (!dbSources || !dbLambda) throw new Error('set DATABASE_URL: both modes run on a real PostgreSQL here');
const common = {
  ANTHROPIC_BASE_URL: claude.url,
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
};
const rows: string[] = [];
let sources: { url: string; proc: ChildProcess } | undefined;
let host: Awaited<ReturnType<typeof startHostProcess>> | undefined;
try {
  // npm start: the sources under tsx, all handlers in one process
  const us = await users(dbSources.url, CLIENTS);
  sources = await startSources({
    ...common,
    DATABASE_URL: dbSources.url,
    CACHE_KEY_PREFIX: `bench-src-${randomBytes(3).toString('hex')}:`,
  });
  const tokS = await tokens(sources.url, us);
  await run(sources.url, tokS, 1, 3); // warm-up: first imports
  const s1 = await run(sources.url, tokS, 1, REQUESTS_AT_1);
  const s20 = await run(sources.url, tokS, CLIENTS, REQUESTS_AT_20);
  rows.push(`npm start         c=1  ${JSON.stringify(s1)}`, `npm start         c=20 ${JSON.stringify(s20)}`);

  // start:lambda: the bundles, one process per instance, up to 20 analyze instances
  const ul = await users(dbLambda.url, CLIENTS);
  host = await startHostProcess({
    cdkOut,
    args: [
      '--max-instances',
      String(CLIENTS),
      '--env',
      'POWERTOOLS_LOG_LEVEL=WARN',
      '--env',
      `CACHE_KEY_PREFIX=bench-lam-${randomBytes(3).toString('hex')}:`,
    ],
    env: { ...common, DATABASE_URL: dbLambda.url, ANTHROPIC_API_KEY: undefined },
  });
  const tokL = await tokens(host.url, ul);
  await run(host.url, tokL, 1, 3); // warm-up: one warm instance
  const inits = () => host!.grep(/\[ceo-agent-\w+-decision-analyze\] INIT_START/).length;
  const l1 = await run(host.url, tokL, 1, REQUESTS_AT_1);
  const before = inits();
  const l20 = await run(host.url, tokL, CLIENTS, REQUESTS_AT_20);
  const cold = inits() - before;
  rows.push(
    `start:lambda      c=1  ${JSON.stringify(l1)}`,
    `start:lambda      c=20 ${JSON.stringify(l20)}`,
    `start:lambda cold starts of decision-analyze during ${REQUESTS_AT_20} requests at c=20: ${cold} (${((cold / REQUESTS_AT_20) * 100).toFixed(0)} per 100)`,
  );
} finally {
  if (sources?.proc.pid) {
    try {
      process.kill(-sources.proc.pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
  await host?.stop();
  await claude.close();
  await dbSources.drop().catch(() => {});
  await dbLambda.drop().catch(() => {});
  rmSync(synthDir, { recursive: true, force: true });
}
console.log('analyze latency (ms), fresh questions (agent path), Claude stand-in answering at once:');
for (const r of rows) console.log(`  ${r}`);
process.exit(0);
