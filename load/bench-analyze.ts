/**
 * The analyze path through the local runtime over HTTP (issues 3 and 6). Prints figures; asserts nothing.
 *   (a) agent overhead (client total − time inside model calls), 50 concurrent clients, Claude stand-in at 1.5 s
 *   (b) streaming: time to first byte, and time from the stand-in's first token to the client's first text event
 *   (c) throughput of an L1-hit analyze vs a bare node:http server returning the same bytes (autocannon)
 *   (d) analyze latency by answering level: L1 hit, L2 hit, semantic hit (PGlite + pgvector)
 * Run: npx tsx load/bench-analyze.ts   (DATABASE_URL → (a)–(c) on that PostgreSQL; REDIS_URL or 127.0.0.1:6379 for L2)
 * Knobs: BENCH_CONCURRENCY (50), BENCH_LLM_LATENCY_MS (1500), BENCH_ROUNDS (2), BENCH_DURATION_S (10),
 * BENCH_SAMPLES (300), BENCH_STREAM_RUNS (20), BENCH_PARTS (abcd: which parts to run).
 */
import './bench-env';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startLocalServer } from '../bin/local/server';
import type { Db } from '../layers/core/src/db/types';
import type { Llm } from '../layers/core/src/llm/types';
import { demoMetricRows, insertMetricRows } from '../layers/core/src/orgs/seed';
import { setDb } from '../layers/core/src/runtime/db';
import { type Services, setServices } from '../layers/core/src/runtime/services';
import { analyzeServices, deleteKeys, standInLlm, uniqueKeyPrefix } from '../test/support/analyze-services';
import { addUser } from '../test/support/api';
import { createTestDb, type TestDb } from '../test/support/db';
import { postSse } from '../test/support/sse-client';
import { startSseTapProxy } from '../test/support/sse-tap-proxy';
import { autocannon } from './autocannon';
import { summary } from './stats';
import { redisReachable, timedLlm } from './timed-llm';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const LLM_LATENCY_MS = Number(process.env.BENCH_LLM_LATENCY_MS ?? 1500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
const STREAM_RUNS = Number(process.env.BENCH_STREAM_RUNS ?? 20);
const PARTS = process.env.BENCH_PARTS ?? 'abcd';
const ANALYZE = '/api/v1/decision/analyze';

// The benchmark sends one user far more than a minute's analyze allowance.
process.env.RATE_LIMIT_ANALYZE_PER_MIN = '0';

const root = fileURLToPath(new URL('..', import.meta.url));
let seq = 0;
const uniqueQuestion = (topic: string) => `Should we invest in ${topic} project number ${++seq}?`;
const fmt = (o: Record<string, number>) =>
  Object.entries(o)
    .map(([k, v]) => `${k} ${v}`)
    .join('  ');

const children = new Set<ReturnType<typeof spawn>>();
// a failed run must not leave stand-in processes behind
process.on('exit', () => {
  for (const c of children) c.kill('SIGTERM');
});

/** The stand-in in its own process, so its work does not compete with the runtime's event loop. */
async function startStandIn(ttftMs: number, tokensPerSecond = 0): Promise<{ url: string; stop(): void }> {
  const cli = `${root}test/support/fake-anthropic-cli.ts`;
  const child = spawn(process.execPath, ['--import', 'tsx', cli], {
    env: {
      ...process.env,
      FAKE_TTFT_MS: String(ttftMs),
      FAKE_TOKENS_PER_SECOND: String(tokensPerSecond),
      FAKE_SCENARIO: 'two-turn-analysis',
      FAKE_API_KEY: '',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return {
    url: (JSON.parse(line) as { url: string }).url,
    stop: () => {
      child.kill('SIGTERM');
      children.delete(child);
    },
  };
}

// ------------------------------------------------------------------ setup

const redisUp = await redisReachable();
const cacheBase = (prefix: string): Record<string, string> =>
  redisUp ? { CACHE_KEY_PREFIX: prefix } : { CACHE_KEY_PREFIX: prefix, CACHE_L2: 'none' };
const prefixes: string[] = [];
const instances: Services[] = [];
const dbs: TestDb[] = [];

const server = await startLocalServer({ port: 0 });

async function phaseDb(kind: 'pg' | 'pglite') {
  const t = await createTestDb(kind);
  dbs.push(t);
  setDb(t.db);
  const user = await addUser(t.db);
  await insertMetricRows(t.db, user.orgId, demoMetricRows(6));
  return { t, user };
}

function install(db: Db, llm: Llm, cacheEnv: Record<string, string>) {
  const s = analyzeServices({ db, llm, cacheEnv });
  instances.push(s);
  setServices(s);
  return s;
}

async function login(user: { email: string; password: string }): Promise<Record<string, string>> {
  const r = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: user.email, password: user.password }),
  });
  const token = ((await r.json()) as { access_token: string }).access_token;
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}

async function analyze(headers: Record<string, string>, query: string) {
  const t = performance.now();
  const res = await fetch(`${server.url}${ANALYZE}`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query }),
  });
  const json = (await res.json()) as { answered_from?: string; latency_ms?: number };
  if (res.status !== 200) throw new Error(`analyze: HTTP ${res.status} ${JSON.stringify(json)}`);
  return {
    ms: performance.now() - t,
    answeredFrom: json.answered_from ?? '?',
    serverMs: json.latency_ms ?? 0,
  };
}

const mainKind: 'pg' | 'pglite' = process.env.DATABASE_URL ? 'pg' : 'pglite';
console.log(
  `# analyze benchmark — local runtime over HTTP, ${mainKind === 'pg' ? 'PostgreSQL' : 'PGlite'} for (a)–(c), ` +
    `L2 ${redisUp ? 'Redis' : 'none'}, Node ${process.version}, ${CONCURRENCY} concurrent clients`,
);

// ------------------------------------------------------------------ (a) agent overhead at 1.5 s LLM latency

if (PARTS.includes('a')) {
  const slow = await startStandIn(LLM_LATENCY_MS);
  const { user } = await phaseDb(mainKind);
  const prefix = uniqueKeyPrefix('bench-analyze-a');
  prefixes.push(prefix);
  const llmMs = new Map<string, number>();
  install(
    dbs.at(-1)!.db,
    timedLlm(standInLlm(slow.url, { LLM_TIMEOUT_MS: '30000' }), llmMs),
    cacheBase(prefix),
  );
  const headers = await login(user);
  const run = async () => {
    const q = uniqueQuestion('a new market');
    const r = await analyze(headers, q);
    const llm = llmMs.get(q) ?? Number.NaN;
    return { total: r.ms, llm, overhead: r.ms - llm, serverOverhead: r.serverMs - llm };
  };
  await Promise.all(Array.from({ length: 5 }, run)); // warm-up: JIT, connections, plans
  type Row = Awaited<ReturnType<typeof run>>;
  const print = (label: string, rows: Row[]) => {
    console.log(`    ${label}`);
    console.log(
      `      overhead (client total − model time) ms: ${fmt(summary(rows.map((r) => r.overhead)))}`,
    );
    console.log(
      `      overhead (server latency_ms − model time) ms: ${fmt(summary(rows.map((r) => r.serverOverhead)))}`,
    );
    console.log(`      client total ms: ${fmt(summary(rows.map((r) => r.total)))}`);
    console.log(`      model time ms: ${fmt(summary(rows.map((r) => r.llm)))}`);
  };
  console.log(
    `\n(a) analyze via HTTP, unique questions, stand-in ${LLM_LATENCY_MS} ms per model call × 2 calls, 4 skills`,
  );
  const sequential: Row[] = [];
  for (let i = 0; i < 5; i++) sequential.push(await run());
  print('sequential × 5', sequential);
  const rows: Row[] = [];
  const wall = performance.now();
  const cpu0 = process.cpuUsage();
  for (let round = 0; round < ROUNDS; round++)
    rows.push(...(await Promise.all(Array.from({ length: CONCURRENCY }, run))));
  const cpu = process.cpuUsage(cpu0);
  print(
    `${CONCURRENCY} concurrent × ${ROUNDS} rounds (${Math.round(performance.now() - wall)} ms wall)`,
    rows,
  );
  // CPU of this process (runtime + the in-process HTTP clients) per analysis: what 50 analyses at once queue on
  console.log(
    `      process CPU per analysis (runtime + in-process clients): ${((cpu.user + cpu.system) / 1000 / rows.length).toFixed(1)} ms`,
  );
  slow.stop();
}

// ------------------------------------------------------------------ (b) streaming: first byte, first token

if (PARTS.includes('b')) {
  const standIn = await startStandIn(300, 100);
  const tap = await startSseTapProxy(standIn.url);
  const { user } = await phaseDb(mainKind);
  const prefix = uniqueKeyPrefix('bench-analyze-b');
  prefixes.push(prefix);
  install(dbs.at(-1)!.db, standInLlm(tap.url, { LLM_TIMEOUT_MS: '30000' }), cacheBase(prefix));
  const headers = await login(user);
  const token = headers.authorization!.slice('Bearer '.length);
  const one = async () => {
    const q = uniqueQuestion('a streamed plan');
    const t = performance.now();
    const res = await postSse(`${server.url}${ANALYZE}/stream`, { token, body: { query: q } });
    const firstText = res.events.find((e) => e.event === 'text')?.at ?? Number.NaN;
    const upstream = tap.records
      .filter((r) => r.firstTextAt !== undefined && r.requestBody.includes(q))
      .map((r) => r.firstTextAt!)
      .sort((a, b) => a - b)[0];
    if (res.events.at(-1)?.event !== 'done')
      throw new Error(`stream did not finish: ${res.events.at(-1)?.event}`);
    return {
      headers: res.headersAt - t,
      firstByte: (res.firstByteAt ?? Number.NaN) - t,
      tokenToClient: firstText - (upstream ?? Number.NaN),
    };
  };
  for (let i = 0; i < 3; i++) await one();
  const seqRows = [];
  for (let i = 0; i < STREAM_RUNS; i++) seqRows.push(await one());
  const conRows = await Promise.all(Array.from({ length: CONCURRENCY }, one));
  console.log('\n(b) streaming route: stand-in first token after 300 ms, 100 tokens/s');
  for (const [label, rows] of [
    ['sequential', seqRows],
    [`${CONCURRENCY} concurrent`, conRows],
  ] as const) {
    console.log(
      `    ${label}: stand-in first token → client first text event ms: ${fmt(summary(rows.map((r) => r.tokenToClient)))}`,
    );
    console.log(`    ${label}: request → response headers ms: ${fmt(summary(rows.map((r) => r.headers)))}`);
    console.log(`    ${label}: request → first body byte ms: ${fmt(summary(rows.map((r) => r.firstByte)))}`);
  }
  await tap.close();
  standIn.stop();
}

// ------------------------------------------------------------------ (c) L1-hit throughput vs a bare server

if (PARTS.includes('c')) {
  const standIn = await startStandIn(0);
  const { user } = await phaseDb(mainKind);
  const prefix = uniqueKeyPrefix('bench-analyze-c');
  prefixes.push(prefix);
  install(dbs.at(-1)!.db, standInLlm(standIn.url), cacheBase(prefix));
  const headers = await login(user);
  const q = 'Should we expand our enterprise sales team into Germany in 2026?';
  await analyze(headers, q);
  const sample = await fetch(`${server.url}${ANALYZE}`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: q }),
  });
  const bytes = Buffer.from(await sample.arrayBuffer());
  const sampleHeaders: Record<string, string> = {};
  sample.headers.forEach((v, k) => {
    if (!['content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding'].includes(k))
      sampleHeaders[k] = v;
  });
  const bare = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, sampleHeaders);
      res.end(bytes);
    });
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}${ANALYZE}`;

  const body = JSON.stringify({ query: q });
  const runtime = await autocannon(`${server.url}${ANALYZE}`, headers, body, {
    connections: CONCURRENCY,
    durationS: DURATION_S,
  });
  const plain = await autocannon(bareUrl, headers, body, { connections: CONCURRENCY, durationS: DURATION_S });
  const levels = await Promise.all(Array.from({ length: 5 }, () => analyze(headers, q)));
  console.log(
    `\n(c) throughput, ${CONCURRENCY} connections × ${DURATION_S} s (autocannon in its own process), ${bytes.length}-byte answer; ` +
      `answered_from: ${[...new Set(levels.map((l) => l.answeredFrom))].join(',')}`,
  );
  console.log(
    `    local runtime, L1 hit (auth, validation, cache, decision INSERT): ${Math.round(runtime.requests.average)} req/s, ` +
      `p50 ${runtime.latency.p50} ms, p99 ${runtime.latency.p99} ms, non-2xx ${runtime.non2xx}, errors ${runtime.errors}`,
  );
  console.log(
    `    bare node:http, same bytes: ${Math.round(plain.requests.average)} req/s, p50 ${plain.latency.p50} ms, ` +
      `p99 ${plain.latency.p99} ms`,
  );
  console.log(`    ratio runtime / bare: ${(runtime.requests.average / plain.requests.average).toFixed(3)}`);
  await new Promise<void>((resolve) => bare.close(() => resolve()));
  standIn.stop();
}

// ------------------------------------------------------------------ (d) latency by answering level

if (PARTS.includes('d')) {
  const standIn = await startStandIn(0);
  const { t, user } = await phaseDb('pglite');
  const prefix = uniqueKeyPrefix('bench-analyze-d');
  prefixes.push(prefix);
  const llm = standInLlm(standIn.url);
  const q = 'Should we hire 12 more support engineers in 2026?';
  install(t.db, llm, cacheBase(prefix));
  const headers = await login(user);
  await analyze(headers, q); // agent: stored in L1, L2 and the semantic cache
  const levels: Array<[string, Record<string, string>]> = [
    ['l1', cacheBase(prefix)],
    ...(redisUp
      ? ([['l2', { ...cacheBase(prefix), CACHE_L1_MAX_BYTES: '0' }]] as Array<
          [string, Record<string, string>]
        >)
      : []),
    ['semantic', { CACHE_KEY_PREFIX: prefix, CACHE_L2: 'none', CACHE_L1_MAX_BYTES: '0' }],
  ];
  console.log(
    `\n(d) analyze latency by answering level, ${SAMPLES} sequential requests each (PGlite + pgvector)`,
  );
  for (const [level, env] of levels) {
    if (level !== 'l1') install(t.db, llm, env);
    for (let i = 0; i < 20; i++) await analyze(headers, q); // warm-up
    const rows = [];
    for (let i = 0; i < SAMPLES; i++) rows.push(await analyze(headers, q));
    const wrong = rows.filter((r) => r.answeredFrom !== level).length;
    console.log(
      `    ${level.padEnd(8)} client ms: ${fmt(summary(rows.map((r) => r.ms)))} | server latency_ms: ${fmt(
        summary(rows.map((r) => r.serverMs)),
      )}${wrong > 0 ? ` | ${wrong} answered by another level` : ''}`,
    );
  }
  standIn.stop();
}

// ------------------------------------------------------------------ teardown

await server.close();
setServices(undefined);
setDb(undefined);
for (const s of instances) await s.cache.close();
for (const t of dbs) await t.dispose();
if (redisUp) for (const p of prefixes) await deleteKeys(p);
process.exit(0);
