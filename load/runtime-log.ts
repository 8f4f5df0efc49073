/**
 * Summarises what `npm run start:lambda` printed during a load test (load/reports/runtime.log): per function the
 * REPORT lines (invocations, cold starts = instances started, Duration percentiles, memory, errors and time-outs),
 * the host's STATS lines (most instances alive, longest queue, invocations dropped while queued), and the EMF
 * metrics the functions emitted (DbQueryTime, DbConnectTime, AnalyzeTime, …) — the figures CloudWatch would have.
 *   npx tsx load/runtime-log.ts load/reports/runtime.log [--json]
 */
import { readFileSync } from 'node:fs';
import { parseEmf } from '../bin/local/emf-capture';
import { percentile } from './stats';

export interface FunctionSummary {
  invocations: number;
  coldStarts: number;
  durationMs: { p50: number; p95: number; p99: number; max: number };
  initMs: { p50: number; max: number };
  maxMemoryUsedMb: number;
  errors: number;
  timeouts: number;
  /** instances whose INIT failed or passed Lambda's 10-s INIT limit (the request got a 502/504) */
  initFailures: number;
  /** from the STATS lines */
  maxInstances: number;
  maxWaiting: number;
  abandoned: number;
}

export interface MetricSummary {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface RuntimeLogSummary {
  functions: Record<string, FunctionSummary>;
  metrics: Record<string, MetricSummary>;
  /** per sample time (STATS), the busiest moment: total waiting across functions */
  peak?: { t: string; waiting: number; instances: number };
}

const REPORT_RE =
  /^\[([^\]]+)\] REPORT RequestId: \S+ Duration: ([\d.]+) ms .*?Max Memory Used: (\d+|n\/a) MB(?: Init Duration: ([\d.]+) ms)?(?: Status: (\w+))?/;
const STATS_RE = /^\[host\] STATS (\{.*\})$/;
const INIT_FAILED_RE = /^\[([^\]]+)\] init failed: /;
const PREFIX_RE = /^\[([^\]]+)\] (\{.*\})$/;

interface Acc {
  durations: number[];
  inits: number[];
  mem: number;
  errors: number;
  timeouts: number;
  initFailures: number;
  maxInstances: number;
  maxWaiting: number;
  abandoned: number;
}

const round = (x: number) => Math.round(x * 10) / 10;

export function summariseRuntimeLog(lines: Iterable<string>): RuntimeLogSummary {
  const acc = new Map<string, Acc>();
  const get = (fn: string) => {
    let a = acc.get(fn);
    if (!a) {
      a = {
        durations: [],
        inits: [],
        mem: 0,
        errors: 0,
        timeouts: 0,
        initFailures: 0,
        maxInstances: 0,
        maxWaiting: 0,
        abandoned: 0,
      };
      acc.set(fn, a);
    }
    return a;
  };
  const values = new Map<string, number[]>();
  let peak: RuntimeLogSummary['peak'];
  for (const line of lines) {
    const report = REPORT_RE.exec(line);
    if (report) {
      const a = get(report[1]!);
      a.durations.push(Number(report[2]));
      if (report[3] !== 'n/a') a.mem = Math.max(a.mem, Number(report[3]));
      if (report[4] !== undefined) a.inits.push(Number(report[4]));
      if (report[5] === 'error') a.errors++;
      if (report[5] === 'timeout') a.timeouts++;
      continue;
    }
    const initFailed = INIT_FAILED_RE.exec(line);
    if (initFailed) {
      get(initFailed[1]!).initFailures++;
      continue;
    }
    const stats = STATS_RE.exec(line);
    if (stats) {
      const doc = JSON.parse(stats[1]!) as {
        t: string;
        functions: Record<string, { instances: number; waiting: number; abandoned: number }>;
      };
      let waiting = 0;
      let instances = 0;
      for (const [fn, st] of Object.entries(doc.functions)) {
        const a = get(fn);
        a.maxInstances = Math.max(a.maxInstances, st.instances);
        a.maxWaiting = Math.max(a.maxWaiting, st.waiting);
        a.abandoned = Math.max(a.abandoned, st.abandoned);
        waiting += st.waiting;
        instances += st.instances;
      }
      if (!peak || waiting > peak.waiting) peak = { t: doc.t, waiting, instances };
      continue;
    }
    const emf = PREFIX_RE.exec(line);
    if (emf) {
      for (const p of parseEmf(emf[2]!) ?? []) {
        const v = values.get(p.name) ?? [];
        v.push(p.value);
        values.set(p.name, v);
      }
    }
  }
  const functions: Record<string, FunctionSummary> = {};
  for (const [fn, a] of [...acc].sort(([x], [y]) => x.localeCompare(y))) {
    const d = a.durations;
    functions[fn] = {
      invocations: d.length,
      coldStarts: a.inits.length,
      durationMs: {
        p50: round(percentile(d, 50)),
        p95: round(percentile(d, 95)),
        p99: round(percentile(d, 99)),
        max: round(d.length ? Math.max(...d) : Number.NaN),
      },
      initMs: {
        p50: round(percentile(a.inits, 50)),
        max: round(a.inits.length ? Math.max(...a.inits) : Number.NaN),
      },
      maxMemoryUsedMb: a.mem,
      errors: a.errors,
      timeouts: a.timeouts,
      initFailures: a.initFailures,
      maxInstances: a.maxInstances,
      maxWaiting: a.maxWaiting,
      abandoned: a.abandoned,
    };
  }
  const metrics: Record<string, MetricSummary> = {};
  for (const [name, v] of [...values].sort(([x], [y]) => x.localeCompare(y))) {
    metrics[name] = {
      n: v.length,
      mean: round(v.reduce((s, x) => s + x, 0) / v.length),
      p50: round(percentile(v, 50)),
      p95: round(percentile(v, 95)),
      p99: round(percentile(v, 99)),
    };
  }
  return { functions, metrics, peak };
}

function main() {
  const file = process.argv[2] ?? 'load/reports/runtime.log';
  const s = summariseRuntimeLog(readFileSync(file, 'utf8').split('\n'));
  if (process.argv.includes('--json')) return void console.log(JSON.stringify(s, null, 2));
  console.log(
    'function | invocations | cold starts | Duration p50 / p95 / p99 ms | max instances | max waiting | dropped | errors / time-outs | init failures | max MB',
  );
  for (const [fn, f] of Object.entries(s.functions)) {
    if (f.invocations === 0 && f.initFailures === 0 && f.maxInstances === 0) continue;
    console.log(
      `${fn} | ${f.invocations} | ${f.coldStarts} (init p50 ${f.initMs.p50} ms) | ${f.durationMs.p50} / ${f.durationMs.p95} / ${f.durationMs.p99} | ${f.maxInstances} | ${f.maxWaiting} | ${f.abandoned} | ${f.errors} / ${f.timeouts} | ${f.initFailures} | ${f.maxMemoryUsedMb}`,
    );
  }
  if (s.peak)
    console.log(`peak queue: ${s.peak.waiting} waiting, ${s.peak.instances} instances at ${s.peak.t}`);
  console.log('\nmetric | n | mean | p50 | p95 | p99 (ms)');
  for (const [name, m] of Object.entries(s.metrics))
    console.log(`${name} | ${m.n} | ${m.mean} | ${m.p50} | ${m.p95} | ${m.p99}`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
