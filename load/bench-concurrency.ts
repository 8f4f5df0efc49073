/**
 * Issue #11 item 4: what 50 concurrent fresh analyses in one process add over one alone, in one run: as a
 * burst (all 50 sent in the same instant) and in flight (50 at all times, their starts spread).
 * The local runtime runs in a child process of its own (load/concurrency-server.ts: PostgreSQL with
 * DATABASE_URL, else PGlite; Redis L2 when reachable), the Claude stand-in in another (1.5 s per model call,
 * two calls and four skills per analysis), the HTTP clients here. Legs are interleaved (alone, burst, in
 * flight, alone, …) so a change in the machine's load hits all of them. Every question is new, so every request runs the agent.
 * Prints, for 1 alone and for CONCURRENCY at once: latency p50/p95 (client total, and overhead = total − time
 * inside model calls, measured by the server), the added p95, and the runtime's CPU per analysis (process:
 * all threads; event loop: the main thread's busy time, which is what a burst queues on) with the floor it
 * sets: a burst of N analyses needs N × (event-loop ms per analysis) of one thread, whatever the code does.
 *   npx tsx load/bench-concurrency.ts        (or npm run bench -- concurrency)
 * Knobs: BENCH_CONCURRENCY (50), BENCH_ROUNDS (2), BENCH_ALONE (20 per round), BENCH_LLM_LATENCY_MS (1500),
 * BENCH_CPU_PROF (a directory: the runtime process runs under `node --cpu-prof` and writes its profile there;
 * the profiler's sampling costs CPU, so the CPU figures of such a run are not comparable), BENCH_STATEMENTS=1
 * (list the SQL statements the runtime sent), BENCH_CLAUDE_FETCH=node-http (the SDK's calls over node:http instead of
 * undici's fetch: load/node-http-fetch.ts, what the transport to Claude costs).
 * Asserts nothing. Stops both child processes (their process groups) and removes their data.
 */
import './bench-env';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism, loadavg } from 'node:os';
import { createInterface, type Interface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { summary } from './stats';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ALONE = Number(process.env.BENCH_ALONE ?? 20);
const LLM_LATENCY_MS = Number(process.env.BENCH_LLM_LATENCY_MS ?? 1500);
const CPU_PROF = process.env.BENCH_CPU_PROF;
const ANALYZE = '/api/v1/decision/analyze';
const root = fileURLToPath(new URL('..', import.meta.url));

const children = new Set<ChildProcess>();
/** Each child leads its own process group; a failed run still ends the whole group. */
function killAll() {
  for (const c of children) {
    try {
      if (c.pid) process.kill(-c.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  children.clear();
}
process.on('exit', killAll);
// Ctrl-C / kill: the runtime cleans up on SIGTERM (drops its database, deletes its keys), the stand-in just ends
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });

function start(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; lines: Interface } {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
    detached: true,
  });
  children.add(child);
  return { child, lines: createInterface({ input: child.stdout! }) };
}

async function firstLine<T>(lines: Interface): Promise<T> {
  const [line] = (await once(lines, 'line')) as [string];
  return JSON.parse(line) as T;
}

// ------------------------------------------------------------------ the two processes

const standIn = start(['--import', 'tsx', `${root}test/support/fake-anthropic-cli.ts`], {
  FAKE_TTFT_MS: String(LLM_LATENCY_MS),
  FAKE_TOKENS_PER_SECOND: '0',
  FAKE_SCENARIO: 'two-turn-analysis',
  FAKE_API_KEY: '',
});
const { url: standInUrl } = await firstLine<{ url: string }>(standIn.lines);

const runtime = start(
  [
    ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []),
    '--import',
    'tsx',
    `${root}load/concurrency-server.ts`,
  ],
  { STANDIN_URL: standInUrl },
);
const ready = await firstLine<{ url: string; db: string; l2: string; headers: Record<string, string> }>(
  runtime.lines,
);

interface Stats {
  cpuMs: number;
  mainThreadCpuMs: number;
  eluActiveMs: number;
  llmMs: Record<string, number>;
  statements: Record<string, number>;
}
async function stats(): Promise<Stats> {
  const next = firstLine<Stats>(runtime.lines);
  runtime.child.stdin!.write('stats\n');
  return next;
}

// ------------------------------------------------------------------ the clients

let seq = 0;
/** Why analyses failed, by HTTP status and error code (printed; a failed analysis is not in the latencies). */
const failures = new Map<string, number>();
async function analyze(): Promise<{ query: string; ms: number; ok: boolean }> {
  const query = `Should we invest in new market project number ${++seq}?`;
  const t = performance.now();
  let why: string;
  try {
    const res = await fetch(`${ready.url}${ANALYZE}`, {
      method: 'POST',
      headers: ready.headers,
      body: JSON.stringify({ query }),
      signal: AbortSignal.timeout(60_000),
    });
    const json = (await res.json()) as { answered_from?: string; error?: { code?: string } };
    if (res.status === 200 && json.answered_from === 'agent')
      return { query, ms: performance.now() - t, ok: true };
    why = `HTTP ${res.status} ${json.error?.code ?? json.answered_from}`;
  } catch (err) {
    why = err instanceof Error ? err.name : String(err);
  }
  failures.set(why, (failures.get(why) ?? 0) + 1);
  return { query, ms: performance.now() - t, ok: false };
}

interface Leg {
  total: number[];
  overhead: number[];
  llm: number[];
  cpuMs: number;
  mainMs: number;
  eluMs: number;
  statements: number;
  failed: number;
  /** analyses run (the CPU's divisor) */
  analyses: number;
  /** latencies kept */
  n: number;
}
const emptyLeg = (): Leg => ({
  total: [],
  overhead: [],
  llm: [],
  cpuMs: 0,
  mainMs: 0,
  eluMs: 0,
  statements: 0,
  failed: 0,
  analyses: 0,
  n: 0,
});
const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

type Rows = Array<{ query: string; ms: number; ok: boolean }>;
/** Runs one leg; CPU is divided by every analysis it ran (`analyses`), latencies are those of `rows`. */
async function leg(into: Leg, run: () => Promise<Rows | { rows: Rows; analyses: number }>) {
  const before = await stats();
  const ran = await run();
  const after = await stats();
  const { rows, analyses } = Array.isArray(ran) ? { rows: ran, analyses: ran.length } : ran;
  into.cpuMs += after.cpuMs - before.cpuMs;
  into.mainMs += after.mainThreadCpuMs - before.mainThreadCpuMs;
  into.eluMs += after.eluActiveMs - before.eluActiveMs;
  into.statements += sum(after.statements) - sum(before.statements);
  into.analyses += analyses;
  into.failed += rows.filter((r) => !r.ok).length;
  const ok = rows.filter((r) => r.ok);
  into.n += ok.length;
  for (const r of ok) {
    const llm = after.llmMs[r.query] ?? Number.NaN;
    into.total.push(r.ms);
    into.llm.push(llm);
    into.overhead.push(r.ms - llm);
  }
}

const sequential = async (n: number) => {
  const rows = [];
  for (let i = 0; i < n; i++) rows.push(await analyze());
  return rows;
};
const burst = (n: number) => Promise.all(Array.from({ length: n }, analyze));
/**
 * `n` clients in flight at all times, their starts spread over one analysis's time, each running 4 analyses
 * back to back; only the middle two of each client are kept (n in flight throughout), the CPU of all counted.
 */
const steady = async (n: number) => {
  const spreadMs = 2 * LLM_LATENCY_MS + 100;
  const kept: Rows = [];
  let all = 0;
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      await sleep((i * spreadMs) / n);
      for (let k = 0; k < 4; k++) {
        const r = await analyze();
        all++;
        if (k === 1 || k === 2) kept.push(r);
      }
    }),
  );
  return { rows: kept, analyses: all };
};

console.log(
  `# ${CONCURRENCY} concurrent analyses vs 1 alone — runtime in its own process (${ready.db}, L2 ${ready.l2}), ` +
    `Claude stand-in in another at ${LLM_LATENCY_MS} ms per call × 2 calls, 4 skills, SDK over ` +
    `${process.env.BENCH_CLAUDE_FETCH === 'node-http' ? 'node:http (load/node-http-fetch.ts)' : "undici's fetch"}; ` +
    `Node ${process.version}, ` +
    `${availableParallelism()} cores, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
);

async function measure() {
  await burst(5); // warm-up: JIT, connections, statement plans
  await sequential(3);

  const alone = emptyLeg();
  const together = emptyLeg();
  const inFlight = emptyLeg();
  const wall = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    await leg(alone, () => sequential(ALONE));
    await leg(together, () => burst(CONCURRENCY));
    await leg(inFlight, () => steady(CONCURRENCY));
  }

  const r1 = (x: number) => Math.round(x * 10) / 10;
  const fmt = (values: number[]) => {
    const s = summary(values);
    return `p50 ${r1(s.p50)}  p95 ${r1(s.p95)}  max ${r1(s.max)}`;
  };
  for (const [label, l] of [
    ['1 alone', alone],
    [`${CONCURRENCY} at once (a burst: all sent in the same instant)`, together],
    [`${CONCURRENCY} in flight (starts spread over one analysis's time)`, inFlight],
  ] as const) {
    console.log(`\n  ${label} (n ${l.n}${l.failed > 0 ? `, ${l.failed} failed` : ''})`);
    console.log(`    client total ms:                   ${fmt(l.total)}`);
    console.log(`    overhead (total − model time) ms:  ${fmt(l.overhead)}`);
    console.log(`    model time ms:                     ${fmt(l.llm)}`);
    console.log(
      `    runtime CPU per analysis: main thread ${r1(l.mainMs / l.analyses)} ms, process (all threads) ` +
        `${r1(l.cpuMs / l.analyses)} ms; event loop not idle ${r1(l.eluMs / l.analyses)} ms; ` +
        `SQL statements ${r1(l.statements / l.analyses)}`,
    );
  }
  const p95 = (v: number[]) => summary(v).p95;
  const mainPer = together.mainMs / together.analyses;
  for (const [label, l] of [
    ['at once', together],
    ['in flight', inFlight],
  ] as const)
    console.log(
      `${label === 'at once' ? '\n' : ''}  added p95, ${CONCURRENCY} ${label} − 1 alone: client total ` +
        `${r1(p95(l.total) - p95(alone.total))} ms, overhead ${r1(p95(l.overhead) - p95(alone.overhead))} ms (goal ≤ 50 ms)`,
    );
  const cores = availableParallelism();
  console.log(
    `  floor: ${CONCURRENCY} × ${r1(mainPer)} ms of main-thread CPU per analysis = ${Math.round(CONCURRENCY * mainPer)} ms ` +
      `of one thread per burst (the p95 answer waits for ~${Math.round(0.95 * CONCURRENCY * mainPer)} ms of it); ` +
      `spread over all ${cores} cores: ~${Math.round((0.95 * CONCURRENCY * mainPer) / cores)} ms. ` +
      `≤ 50 ms added at p95 needs ≤ ${r1(50 / (0.95 * CONCURRENCY))} ms per analysis on one thread ` +
      `(≤ ${r1((50 * cores) / (0.95 * CONCURRENCY))} ms on ${cores} perfectly shared cores)`,
  );
  if (process.env.BENCH_STATEMENTS) {
    const last = await stats();
    console.log('  SQL statements sent (whole run):');
    for (const [sql, n] of Object.entries(last.statements).sort((a, b) => b[1] - a[1]))
      console.log(`    ${String(n).padStart(5)}  ${sql}`);
  }
  const perSecond = (CONCURRENCY * 1000) / (2 * LLM_LATENCY_MS + p95(alone.overhead));
  console.log(
    `  in flight: ${CONCURRENCY} analyses in flight start ~${r1(perSecond)} analyses/s × ` +
      `${r1(inFlight.mainMs / inFlight.analyses)} ms = ${Math.round((perSecond * inFlight.mainMs) / inFlight.analyses / 10)}% ` +
      `of one thread busy with them`,
  );
  console.log(`  wall ${Math.round(performance.now() - wall)} ms`);
  if (failures.size > 0)
    console.log(`  failed analyses: ${[...failures].map(([why, n]) => `${why} × ${n}`).join(', ')}`);
}

// ------------------------------------------------------------------ teardown

let status = 0;
try {
  await measure();
} catch (err) {
  console.error(err);
  status = 1;
} finally {
  // the runtime drops its database and deletes its keys on `stop`; the process groups go after that
  runtime.child.stdin!.write('stop\n');
  await Promise.race([once(runtime.child, 'exit'), sleep(60_000)]);
  killAll();
}
process.exit(status);
