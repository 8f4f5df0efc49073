import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm run bench` → `load/reports/bench-<time>.html`: one self-contained file (inline SVG, no script, no
 * external resource) with a chart per benchmark of every line that reported percentiles (p50/p95/p99/max),
 * a table of the other figures, and the raw output. The benchmarks keep printing as they do; this reads it.
 */
export interface BenchOutput {
  name: string;
  output: string;
  status: number | null;
  ms: number;
}

export interface PercentileRow {
  section: string;
  label: string;
  values: Record<string, number>;
}

const STAT_RE = /\b(p50|p95|p99|max)\b["']?\s*[:=]\s*(-?[0-9]+(?:\.[0-9]+)?)/g;

/** Lines with percentiles become rows; `#`/numbered lines and lines ending in ':' become section titles. */
export function parseBenchOutput(output: string): {
  rows: PercentileRow[];
  figures: { label: string; value: string }[];
} {
  const rows: PercentileRow[] = [];
  const figures: { label: string; value: string }[] = [];
  let section = '';
  /** A column table (`level  n  p50  p99  mean  note`): its numeric column names, while rows follow. */
  let table: string[] | undefined;
  const NUMERIC = new Set(['n', 'p50', 'p90', 'p95', 'p99', 'max', 'min', 'mean', 'avg', 'rps']);
  for (const raw of output.split('\n')) {
    const line = raw.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '').trimEnd();
    if (!line.trim()) {
      table = undefined;
      continue;
    }
    const tokens = line.trim().split(/\s+/);
    if (tokens.includes('p50') && !/[:=]/.test(line)) {
      table = tokens.slice(1).filter((t) => NUMERIC.has(t));
      continue;
    }
    if (table) {
      const num = '(-?[0-9]+(?:\\.[0-9]+)?)';
      const m = new RegExp(`^\\s*(.*?)\\s+${table.map(() => num).join('\\s+')}(?:\\s+.*)?$`).exec(line);
      if (m) {
        const values: Record<string, number> = {};
        table.forEach((col, i) => {
          if (['p50', 'p95', 'p99', 'max'].includes(col)) values[col] = Number(m[i + 2]);
        });
        rows.push({ section, label: m[1]!.trim(), values });
        continue;
      }
      table = undefined;
    }
    const values: Record<string, number> = {};
    for (const m of line.matchAll(STAT_RE)) values[m[1]!] = Number(m[2]);
    if (Object.keys(values).length >= 2) {
      const first = line.search(/[{(]|\b(n|p50)\b\s*[:=]/);
      const label =
        (first > 0 ? line.slice(0, first) : line).replace(/[:\-–\s]+$/, '').trim() ||
        `row ${rows.length + 1}`;
      rows.push({ section, label, values });
      continue;
    }
    const heading = /^\s*(#+\s*|\d+\.\s+|\([a-z]\)\s*|===\s*)(.+?)\s*(===)?$/.exec(line);
    if (heading) {
      section = heading[2]!.trim();
      continue;
    }
    const figure = /^\s*([A-Za-z][^:]{2,80}):\s+(.+)$/.exec(line);
    if (figure && /\d/.test(figure[2]!))
      figures.push({
        label: `${section ? `${section} · ` : ''}${figure[1]!.trim()}`,
        value: figure[2]!.trim(),
      });
  }
  return { rows, figures };
}

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const COLORS: Record<string, string> = { p50: '#2f6fdb', p95: '#e07b29', p99: '#2a9d5b', max: '#9aa3b5' };

/** Horizontal grouped bars, one group per row, on a log-free linear axis scaled to the largest p99 (max is drawn thin). */
export function barChart(rows: PercentileRow[]): string {
  if (rows.length === 0) return '';
  const labelW = 330;
  const plotW = 560;
  const barH = 9;
  const groupH = 3 * barH + 14;
  const top = 28;
  const height = top + rows.length * groupH + 24;
  const scaleMax = Math.max(...rows.map((r) => r.values.p99 ?? r.values.p95 ?? r.values.p50 ?? 0), 1e-9);
  const x = (v: number) => Math.min(plotW, (v / scaleMax) * plotW);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + plotW + 90}" height="${height}" font-family="system-ui,sans-serif" font-size="11">`,
  );
  ['p50', 'p95', 'p99'].forEach((k, i) => {
    parts.push(
      `<rect x="${labelW + i * 70}" y="6" width="10" height="10" fill="${COLORS[k]}"/><text x="${labelW + i * 70 + 14}" y="15">${k}</text>`,
    );
  });
  parts.push(
    `<text x="${labelW + 220}" y="15" fill="#666">ms (max as a grey tick; bars beyond the axis are clipped)</text>`,
  );
  for (let t = 0; t <= 4; t++) {
    const gx = labelW + (plotW * t) / 4;
    parts.push(`<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${height - 20}" stroke="#e3e6ec"/>`);
    parts.push(
      `<text x="${gx}" y="${height - 6}" text-anchor="middle" fill="#666">${+((scaleMax * t) / 4).toPrecision(3)}</text>`,
    );
  }
  rows.forEach((r, i) => {
    const y = top + i * groupH;
    const label = `${r.section ? `${r.section} · ` : ''}${r.label}`;
    parts.push(
      `<text x="${labelW - 8}" y="${y + barH * 1.8}" text-anchor="end"><title>${esc(label)}</title>${esc(label.length > 58 ? `${label.slice(0, 56)}…` : label)}</text>`,
    );
    ['p50', 'p95', 'p99'].forEach((k, j) => {
      const v = r.values[k];
      if (v === undefined) return;
      parts.push(
        `<rect x="${labelW}" y="${y + j * barH}" width="${Math.max(1, x(v))}" height="${barH - 1}" fill="${COLORS[k]}"><title>${k} ${v} ms</title></rect>`,
      );
      if (j === 2 || (k === 'p95' && r.values.p99 === undefined)) {
        parts.push(
          `<text x="${labelW + Math.max(1, x(v)) + 4}" y="${y + j * barH + barH - 1}" fill="#333">${v}</text>`,
        );
      }
    });
    if (r.values.max !== undefined) {
      const mx = labelW + x(r.values.max);
      parts.push(
        `<line x1="${mx}" y1="${y}" x2="${mx}" y2="${y + 3 * barH}" stroke="${COLORS.max}" stroke-width="2"><title>max ${r.values.max} ms</title></line>`,
      );
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

export function benchReportHtml(outputs: BenchOutput[], when = new Date()): string {
  const sections = outputs.map((o) => {
    const { rows, figures } = parseBenchOutput(o.output);
    return `<section><h2>${esc(o.name)} <small>${o.status === 0 ? 'ok' : `exit ${o.status}`} · ${(o.ms / 1000).toFixed(1)} s</small></h2>
${rows.length ? barChart(rows) : '<p class="muted">no percentile lines in this benchmark’s output</p>'}
${figures.length ? `<table>${figures.map((f) => `<tr><td>${esc(f.label)}</td><td>${esc(f.value)}</td></tr>`).join('')}</table>` : ''}
<details><summary>raw output</summary><pre>${esc(o.output)}</pre></details></section>`;
  });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ceo-agent benchmarks ${when.toISOString()}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2330;max-width:1100px}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
small,.muted{color:#6b7385;font-weight:normal}table{border-collapse:collapse;margin:8px 0}td{border-top:1px solid #e3e6ec;padding:2px 10px}
pre{background:#f1f3f7;padding:8px;overflow:auto;font-size:12px}section{border-top:2px solid #1d2330;margin-top:18px}</style></head>
<body><h1>ceo-agent benchmarks</h1><p class="muted">${esc(when.toISOString())} · node ${esc(process.version)} · ${outputs.length} benchmark(s) · generated by npm run bench (load/report-html.ts)</p>
${sections.join('\n')}</body></html>`;
}

/** Writes the report under `dir` (default load/reports) and returns its path. */
export function writeBenchReport(
  outputs: BenchOutput[],
  dir = join(import.meta.dirname ?? '.', 'reports'),
): string {
  mkdirSync(dir, { recursive: true });
  const when = new Date();
  const file = join(dir, `bench-${when.toISOString().replace(/[:.]/g, '-')}.html`);
  writeFileSync(file, benchReportHtml(outputs, when));
  return file;
}
