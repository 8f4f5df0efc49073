import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createPgliteDb } from '../bin/local/pglite';
/**
 * Agent overhead benchmark: total analyze() time minus time spent waiting for the model, with the real SDK
 * against the Claude stand-in (1.5 s simulated latency per model call) and the real skills on PGlite.
 * Each run: turn 1 asks for four skills at once (company_metrics, past_decisions, financial_projection,
 * scenario_simulation with 10k trials), turn 2 submits the analysis. Run: npx tsx load/bench-agent.ts
 */
import { createAgent } from '../layers/core/src/agent/agent';
import { loadAgentConfig } from '../layers/core/src/agent/config';
import { migrate } from '../layers/core/src/db/migrate';
import { loadLlmConfig } from '../layers/core/src/llm/config';
import { seedDecision, seedMetric, seedOrg } from '../test/integration/llm/seed';

const LLM_LATENCY_MS = Number(process.env.BENCH_LLM_LATENCY_MS ?? 1500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

/** The stand-in runs in its own process so its work does not compete with the agent's event loop. */
async function startStandIn(ttftMs: number): Promise<{ url: string; stop(): void }> {
  const cli = fileURLToPath(new URL('../test/support/fake-anthropic-cli.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', cli], {
    env: { ...process.env, FAKE_TTFT_MS: String(ttftMs), FAKE_SCENARIO: 'two-turn-analysis' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { url: (JSON.parse(line) as { url: string }).url, stop: () => child.kill('SIGTERM') };
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

function report(label: string, overheads: number[], totals: number[], llm: number[]) {
  const o = [...overheads].sort((a, b) => a - b);
  const t = [...totals].sort((a, b) => a - b);
  const l = [...llm].sort((a, b) => a - b);
  const f = (v: number) => v.toFixed(1).padStart(8);
  console.log(
    `${label.padEnd(34)} n=${String(o.length).padStart(3)}  overhead p50 ${f(pct(o, 0.5))} ms  p95 ${f(pct(o, 0.95))} ms  max ${f(o.at(-1) ?? 0)} ms | total p50 ${f(pct(t, 0.5))} ms p95 ${f(pct(t, 0.95))} ms | llm p50 ${f(pct(l, 0.5))} ms`,
  );
}

async function main() {
  const fake = await startStandIn(LLM_LATENCY_MS);
  const db = await createPgliteDb();
  await migrate(db);
  const ids = await seedOrg(db);
  await seedMetric(db, ids.orgId, 'revenue', 'USD', [
    ['2026-06-30', 1.1e6],
    ['2026-07-31', 1.15e6],
    ['2026-08-31', 1.2e6],
    ['2026-09-30', 1.25e6],
  ]);
  for (let i = 0; i < 50; i++)
    await seedDecision(db, ids, `Should we invest in product line ${i}?`, `Decision ${i}`);

  const agent = createAgent({
    db,
    config: {
      llm: loadLlmConfig({
        ANTHROPIC_BASE_URL: fake.url,
        ANTHROPIC_API_KEY: 'bench',
        LLM_TIMEOUT_MS: '30000',
      }),
      agent: { ...loadAgentConfig({}), deadlineMs: 60_000 },
    },
  });

  async function run(stream: boolean) {
    const started = performance.now();
    const r = await agent.analyze({
      query: 'Should we invest $2M in a new product line?',
      ...ids,
      ...(stream ? { onEvent: () => {} } : {}),
    });
    const total = performance.now() - started;
    if (r.analysis.skills.some((s) => !s.ok))
      throw new Error(`skill failed: ${JSON.stringify(r.analysis.skills)}`);
    return { total, llm: r.llmMs, overhead: total - r.llmMs };
  }

  console.log(
    `agent overhead = analyze() wall time − time inside model calls; ${LLM_LATENCY_MS} ms simulated latency per call, 2 calls per run, 4 skills in one turn (Node ${process.version})`,
  );
  for (let i = 0; i < 5; i++) await run(i % 2 === 1); // warm-up: JIT, first SDK connection, PGlite plans

  for (const stream of [false, true]) {
    const seq = { o: [] as number[], t: [] as number[], l: [] as number[] };
    for (let i = 0; i < 5; i++) {
      const r = await run(stream);
      seq.o.push(r.overhead);
      seq.t.push(r.total);
      seq.l.push(r.llm);
    }
    report(`sequential${stream ? ' (streaming)' : ''}`, seq.o, seq.t, seq.l);

    const con = { o: [] as number[], t: [] as number[], l: [] as number[] };
    const wallStart = performance.now();
    for (let round = 0; round < ROUNDS; round++) {
      const results = await Promise.all(Array.from({ length: CONCURRENCY }, () => run(stream)));
      for (const r of results) {
        con.o.push(r.overhead);
        con.t.push(r.total);
        con.l.push(r.llm);
      }
    }
    report(`${CONCURRENCY} concurrent × ${ROUNDS}${stream ? ' (streaming)' : ''}`, con.o, con.t, con.l);
    console.log(
      `  wall clock for ${CONCURRENCY * ROUNDS} runs: ${(performance.now() - wallStart).toFixed(0)} ms`,
    );
  }
  await db.close();
  fake.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
