/** The local dashboard page: chart.js (served from node_modules) over /dashboard/data, refreshed every 2 s. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ceo-agent local dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, -apple-system, Segoe UI, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
  header { background: #1d2330; color: #fff; padding: 12px 20px; display: flex; gap: 20px; align-items: baseline; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0; }
  header span { color: #c9cfdb; }
  .grid { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 14px; padding: 14px 20px; }
  .card { background: #fff; border: 1px solid #e0e3e9; border-radius: 8px; padding: 10px 12px; min-height: 250px; }
  .card.wide { grid-column: span 2; }
  .card h2 { font-size: 13px; margin: 0 0 6px; color: #444b5a; font-weight: 600; }
  .card canvas { width: 100% !important; height: 210px !important; }
  .stats { display: flex; gap: 16px; flex-wrap: wrap; margin: 4px 0 8px; }
  .stat b { font-size: 20px; display: block; }
  .stat small { color: #6b7385; }
  table { border-collapse: collapse; width: 100%; font-size: 12px; margin-top: 6px; }
  td, th { padding: 2px 6px; border-top: 1px solid #eceef2; text-align: right; }
  td:first-child, th:first-child { text-align: left; }
  .empty { color: #8a90a0; font-style: italic; }
</style>
</head>
<body>
<header><h1>ceo-agent · local dashboard</h1>
  <span>same widgets as the CloudWatch dashboard, from the EMF records the functions emit</span>
  <span id="meta">loading…</span></header>
<div class="grid">
  <div class="card wide"><h2>Request latency P50 / P95 / P99 by route (ms, EMF RequestLatency)</h2><canvas id="c-latency"></canvas><table id="t-latency"></table></div>
  <div class="card"><h2>Answered from</h2><canvas id="c-answered"></canvas></div>
  <div class="card wide"><h2>Request latency P95 by route over time (ms)</h2><canvas id="c-latency-ts"></canvas></div>
  <div class="card"><h2>Cache hit ratio by level (%)</h2><canvas id="c-cache"></canvas></div>
  <div class="card"><h2>Agent time and LLM latency P95 (ms)</h2><div class="stats" id="s-time"></div><canvas id="c-time"></canvas></div>
  <div class="card"><h2>Tokens and USD per decision</h2><div class="stats" id="s-cost"></div><canvas id="c-cost"></canvas></div>
  <div class="card"><h2>Skill duration P50 / P95 by skill (ms)</h2><canvas id="c-skills"></canvas></div>
  <div class="card wide"><h2>Jobs: queued, running, DLQ (queue gauges) · succeeded / failed (EMF)</h2><div class="stats" id="s-jobs"></div><canvas id="c-jobs"></canvas></div>
</div>
<pre id="status" hidden></pre>
<script src="/dashboard/chart.umd.min.js"></script>
<script>
const COLORS = ['#2f6fdb', '#e07b29', '#2a9d5b', '#c0392b', '#7d4fc4', '#8c6d31', '#17a2b8', '#d63384', '#6c757d', '#20c997'];
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.font.size = 11;
const charts = {};
function chart(id, type, data, options = {}) {
  if (charts[id]) { charts[id].data = data; charts[id].update(); return charts[id]; }
  charts[id] = new Chart(document.getElementById(id), { type, data, options });
  return charts[id];
}
const hhmmss = (t) => new Date(t).toISOString().slice(11, 19);
const stat = (label, value) => '<div class="stat"><b>' + (value ?? '–') + '</b><small>' + label + '</small></div>';
const filled = (data) => data.datasets.reduce((n, d) => n + d.data.filter((v) => v !== null && v !== undefined && v !== 0).length, 0);

async function refresh() {
  const d = await (await fetch('/dashboard/data?window_min=5&bucket_s=5', { cache: 'no-store' })).json();
  document.getElementById('meta').textContent = d.records + ' EMF points · last ' + Math.round(d.window_ms / 60000) + ' min · ' + new Date(d.now).toISOString();
  const counts = {};
  const routes = d.latency.routes;
  const lat = { labels: routes.map((r) => r.route), datasets: ['p50', 'p95', 'p99'].map((k, i) => ({ label: k.toUpperCase(), data: routes.map((r) => r[k]), backgroundColor: COLORS[i] })) };
  chart('c-latency', 'bar', lat); counts.latency = filled(lat);
  document.getElementById('t-latency').innerHTML = '<tr><th>route</th><th>n</th><th>P50</th><th>P95</th><th>P99</th></tr>' + routes.map((r) => '<tr><td>' + r.route + '</td><td>' + r.count + '</td><td>' + r.p50 + '</td><td>' + r.p95 + '</td><td>' + r.p99 + '</td></tr>').join('');
  const tsRoutes = Object.keys(d.latency.series);
  const times = tsRoutes.length ? d.latency.series[tsRoutes[0]].map((p) => hhmmss(p.t)) : [];
  const latTs = { labels: times, datasets: tsRoutes.map((r, i) => ({ label: r, data: d.latency.series[r].map((p) => p.v), borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length], spanGaps: true, pointRadius: 2 })) };
  chart('c-latency-ts', 'line', latTs); counts.latency_over_time = filled(latTs);
  const ans = { labels: Object.keys(d.answered_from), datasets: [{ data: Object.values(d.answered_from), backgroundColor: COLORS }] };
  chart('c-answered', 'doughnut', ans); counts.answered_from = filled(ans);
  const cache = { labels: d.cache.map((c) => c.level), datasets: [{ label: 'hit ratio %', data: d.cache.map((c) => c.ratio), backgroundColor: COLORS[2] }] };
  chart('c-cache', 'bar', cache, { scales: { y: { min: 0, max: 100 } } }); counts.cache = filled(cache) + d.cache.filter((c) => c.hits + c.misses > 0).length;
  document.getElementById('s-time').innerHTML = stat('agent mean ms', d.time.agent.mean) + stat('agent P95 ms', d.time.agent.p95) + stat('LLM P50 ms', d.time.llm.p50) + stat('LLM P95 ms', d.time.llm.p95);
  const time = { labels: d.time.series.agent_p95.map((p) => hhmmss(p.t)), datasets: [
    { label: 'agent P95', data: d.time.series.agent_p95.map((p) => p.v), borderColor: COLORS[0], backgroundColor: COLORS[0], spanGaps: true, pointRadius: 2 },
    { label: 'LLM P95', data: d.time.series.llm_p95.map((p) => p.v), borderColor: COLORS[1], backgroundColor: COLORS[1], spanGaps: true, pointRadius: 2 }] };
  chart('c-time', 'line', time); counts.agent_llm_time = filled(time);
  const pd = d.per_decision;
  document.getElementById('s-cost').innerHTML = stat('decisions', pd.decisions) + stat('tokens / decision', pd.tokens_per_decision) + stat('USD / decision', pd.usd_per_decision === null ? null : '$' + pd.usd_per_decision.toFixed(5));
  const cost = { labels: Object.keys(pd.tokens_by_type), datasets: [{ label: 'tokens per decision', data: Object.values(pd.tokens_by_type).map((v) => pd.decisions ? Math.round(v / pd.decisions) : null), backgroundColor: COLORS[4] }] };
  chart('c-cost', 'bar', cost); counts.tokens_per_decision = filled(cost);
  const skills = { labels: d.skills.map((s) => s.skill), datasets: [
    { label: 'P50', data: d.skills.map((s) => s.p50), backgroundColor: COLORS[0] }, { label: 'P95', data: d.skills.map((s) => s.p95), backgroundColor: COLORS[1] }] };
  chart('c-skills', 'bar', skills, { indexAxis: 'y' }); counts.skills = filled(skills);
  const j = d.jobs;
  document.getElementById('s-jobs').innerHTML = stat('queued', j.samples.at(-1)?.gauge.queued) + stat('running', j.samples.at(-1)?.gauge.running) + stat('DLQ', j.samples.at(-1)?.gauge.dlq) + stat('succeeded', j.succeeded) + stat('failed', j.failed) + stat('queue lag P95 ms', j.queue_lag_p95);
  const jobs = { labels: j.samples.map((s) => hhmmss(s.t)), datasets: [
    { label: 'queued', data: j.samples.map((s) => s.gauge.queued), borderColor: COLORS[0], backgroundColor: COLORS[0], pointRadius: 1 },
    { label: 'running', data: j.samples.map((s) => s.gauge.running), borderColor: COLORS[2], backgroundColor: COLORS[2], pointRadius: 1 },
    { label: 'DLQ', data: j.samples.map((s) => s.gauge.dlq), borderColor: COLORS[3], backgroundColor: COLORS[3], pointRadius: 1 }] };
  chart('c-jobs', 'line', jobs, { scales: { y: { beginAtZero: true, suggestedMax: 3 } } }); counts.jobs = j.samples.length + j.succeeded + j.failed;
  document.getElementById('status').textContent = JSON.stringify({ records: d.records, charts: counts });
  document.body.dataset.ready = 'true';
}
function loop() { refresh().catch((e) => { document.getElementById('meta').textContent = 'error: ' + e; }).finally(() => setTimeout(loop, 2000)); }
loop();
</script>
</body>
</html>
`;
