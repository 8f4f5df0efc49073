/**
 * Reads an artillery JSON report (`artillery run -o report.json`) and prints the run per endpoint and per
 * `answered_from`, then checks the thresholds; exits 1 when one is missed.
 *   npx tsx load/report.ts load/reports/report.json
 * Thresholds (milliseconds; env overrides):
 *   login and list (no model call): P95 < LOAD_API_P95_MS (500), P99 < LOAD_API_P99_MS (1000)
 *   analyze, all answers: mean < LOAD_ANALYZE_MEAN_MS, P95 < LOAD_ANALYZE_P95_MS (unset: reported against the
 *     agent targets 2 s / 5 s, not enforced — a fresh answer is the stand-in's speed, ~10–15 s)
 *   analyze answered from a cache (l1, l2, semantic): P95 < LOAD_API_P95_MS
 *   no failed virtual user, no 429, no 5xx, no other non-2xx
 */
import { readFileSync } from 'node:fs';

interface Summary {
  min: number;
  max: number;
  count: number;
  mean: number;
  p50: number;
  median?: number;
  p95: number;
  p99: number;
}
interface Report {
  aggregate: { counters: Record<string, number>; summaries: Record<string, Summary> };
}

const file = process.argv[2] ?? 'load/reports/report.json';
const r = JSON.parse(readFileSync(file, 'utf8')) as Report;
const { counters, summaries } = r.aggregate;
const env = (k: string, d?: number) => (process.env[k] ? Number(process.env[k]) : d);
const API_P95 = env('LOAD_API_P95_MS', 500)!;
const API_P99 = env('LOAD_API_P99_MS', 1000)!;
const AN_MEAN = env('LOAD_ANALYZE_MEAN_MS');
const AN_P95 = env('LOAD_ANALYZE_P95_MS');

const failures: string[] = [];
const fmt = (s: Summary | undefined) =>
  s
    ? `n ${String(s.count).padStart(5)}  mean ${s.mean.toFixed(0).padStart(6)}  p50 ${String(s.p50 ?? s.median).padStart(6)}  p95 ${String(s.p95).padStart(6)}  p99 ${String(s.p99).padStart(6)}  max ${String(s.max).padStart(6)} ms`
    : 'no data';

console.log(`\n# load report (${file})`);
console.log(
  `virtual users: created ${counters['vusers.created'] ?? 0}, completed ${counters['vusers.completed'] ?? 0}, failed ${counters['vusers.failed'] ?? 0}`,
);
const codes = Object.entries(counters)
  .filter(([k]) => k.startsWith('http.codes.'))
  .map(([k, v]) => `${k.slice(11)}: ${v}`)
  .join(', ');
console.log(
  `HTTP codes: ${codes || 'none'}; errors: ${
    Object.entries(counters)
      .filter(([k]) => k.startsWith('errors.'))
      .map(([k, v]) => `${k.slice(7)} ${v}`)
      .join(', ') || 'none'
  }`,
);

console.log('\nper endpoint (response time):');
for (const name of ['login', 'analyze', 'list']) {
  const s = summaries[`plugins.metrics-by-endpoint.response_time.${name}`];
  const endpointCodes = Object.entries(counters)
    .filter(([k]) => k.startsWith(`plugins.metrics-by-endpoint.${name}.codes.`))
    .map(([k, v]) => `${k.split('.').at(-1)}×${v}`)
    .join(' ');
  console.log(`  ${name.padEnd(8)} ${fmt(s)}  codes ${endpointCodes || '-'}`);
  if (!s) failures.push(`${name}: no responses`);
  else if (name !== 'analyze') {
    if (s.p95 >= API_P95) failures.push(`${name} P95 ${s.p95} ms ≥ ${API_P95} ms`);
    if (s.p99 >= API_P99) failures.push(`${name} P99 ${s.p99} ms ≥ ${API_P99} ms`);
  } else {
    const meanNote = `mean ${s.mean.toFixed(0)} ms vs agent target 2000 ms, P95 ${s.p95} ms vs 5000 ms`;
    console.log(`           (${meanNote})`);
    if (AN_MEAN !== undefined && s.mean >= AN_MEAN)
      failures.push(`analyze mean ${s.mean.toFixed(0)} ms ≥ ${AN_MEAN} ms`);
    if (AN_P95 !== undefined && s.p95 >= AN_P95) failures.push(`analyze P95 ${s.p95} ms ≥ ${AN_P95} ms`);
  }
}

console.log('\nanalyze by answered_from:');
const levels = Object.keys(counters)
  .filter((k) => k.startsWith('load.answered_from.'))
  .map((k) => k.slice('load.answered_from.'.length));
const totalAnswers = levels.reduce((a, l) => a + (counters[`load.answered_from.${l}`] ?? 0), 0);
for (const level of levels.sort()) {
  const n = counters[`load.answered_from.${level}`] ?? 0;
  const s = summaries[`load.answered_from.${level}.response_time`];
  console.log(
    `  ${level.padEnd(9)} ${String(n).padStart(5)} (${((100 * n) / Math.max(1, totalAnswers)).toFixed(0)}%)  ${fmt(s)}`,
  );
  if (level !== 'agent' && s && s.p95 >= API_P95)
    failures.push(`analyze from ${level}: P95 ${s.p95} ms ≥ ${API_P95} ms`);
}
const mix = Object.entries(counters)
  .filter(([k]) => k.startsWith('load.question.'))
  .map(([k, v]) => `${k.slice('load.question.'.length)} ${v}`)
  .join(', ');
console.log(`  question kind → level: ${mix || '-'}`);

const failedRequests = Object.entries(counters).filter(([k]) => k.startsWith('load.failed.'));
for (const [k, v] of failedRequests)
  failures.push(`${v} × ${k.slice('load.failed.'.length).replace('.', ' answered ')}`);
for (const [k, v] of Object.entries(counters)) {
  if (!k.startsWith('http.codes.')) continue;
  const code = Number(k.slice(11));
  if ((code === 429 || code >= 500) && !failedRequests.length) failures.push(`${v} × HTTP ${code}`);
}
if ((counters['vusers.failed'] ?? 0) > 0) failures.push(`${counters['vusers.failed']} virtual users failed`);
if ((counters['vusers.completed'] ?? 0) === 0) failures.push('no virtual user completed');

if (failures.length > 0) {
  console.log(`\nFAILED thresholds:\n  - ${failures.join('\n  - ')}`);
  process.exit(1);
}
console.log(
  `\nthresholds met: login/list P95 < ${API_P95} ms and P99 < ${API_P99} ms, cached analyze P95 < ${API_P95} ms, no 429/5xx/non-2xx, no failed virtual user`,
);
