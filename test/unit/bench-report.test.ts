/** The bench's HTML report: percentile lines and column tables become charts in one self-contained file. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBenchOutput, writeBenchReport } from '../../load/report-html';

const API = `# API benchmark (pglite, 50 concurrent clients, 5 s each)
analyze  ms { n: 1200, p50: 12.5, p95: 30.1, p99: 44, max: 50, errors: 0, rps: 240 }

# list query at 100000 decisions of one user (pglite)
page after      0 rows: ms { n: 50, p50: 1.2, p95: 2, p99: 3, max: 4 }
   starts/second:                        812`;

const CACHE = `Cache latency (ms) — node v20
level                                     n      p50      p99     mean  note
L1 hit                                10000    0.009    0.043    0.028  ~3 KB value
Semantic lookup (PGlite+pgvector)       300   15.982   88.742   18.628  2000 rows`;

describe('bench HTML report', () => {
  it('reads percentile lines, column tables and plain figures', () => {
    const api = parseBenchOutput(API);
    expect(api.rows).toEqual([
      {
        section: 'API benchmark (pglite, 50 concurrent clients, 5 s each)',
        label: 'analyze  ms',
        values: { p50: 12.5, p95: 30.1, p99: 44, max: 50 },
      },
      {
        section: 'list query at 100000 decisions of one user (pglite)',
        label: 'page after      0 rows: ms',
        values: { p50: 1.2, p95: 2, p99: 3, max: 4 },
      },
    ]);
    expect(api.figures).toEqual([
      { label: 'list query at 100000 decisions of one user (pglite) · starts/second', value: '812' },
    ]);
    expect(parseBenchOutput(CACHE).rows).toEqual([
      { section: '', label: 'L1 hit', values: { p50: 0.009, p99: 0.043 } },
      { section: '', label: 'Semantic lookup (PGlite+pgvector)', values: { p50: 15.982, p99: 88.742 } },
    ]);
  });

  it('writes one self-contained HTML file with an SVG chart per benchmark', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    try {
      const file = writeBenchReport(
        [
          { name: 'bench-api.ts', output: API, status: 0, ms: 5000 },
          { name: 'bench-cache.ts', output: CACHE, status: 0, ms: 2000 },
        ],
        dir,
      );
      const html = readFileSync(file, 'utf8');
      expect(html.match(/<svg /g)).toHaveLength(2);
      expect(html).toContain('<title>p99 88.742 ms</title>');
      expect(html).not.toMatch(/<script|<link|src="http/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
