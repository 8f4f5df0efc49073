import * as z from 'zod';
import type { Db, Queryable } from '../db/types';
import { bumpDataVersion, invalidateDataVersion, readDataVersion } from '../decisions/data-version';
import { ValidationError } from '../errors';
import { metricSeries, normaliseMetricName, upsertMetrics } from './metrics-store';

/**
 * An org's own company metrics: import (JSON or CSV, validated, one transaction, upsert by metric and period)
 * and read back. An import that changes anything bumps the org's data version (`org_data_versions`), which is
 * part of every answer-cache key and of the semantic cache's scope: answers computed from the old data are not
 * served again. Re-importing the same rows changes nothing and keeps the version (and the cached answers).
 */
export const MAX_IMPORT_ROWS = 5_000;

const PERIOD = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/;

export const MetricRowSchema = z
  .object({
    metric: z
      .string()
      .min(1)
      .max(64)
      .transform(normaliseMetricName)
      .refine((m) => /^[a-z0-9_]{1,64}$/.test(m), 'metric must contain letters or digits'),
    period: z
      .string()
      .regex(PERIOD, 'period must be YYYY-MM-DD or YYYY-MM')
      .transform((p) => (p.length === 7 ? `${p}-01` : p))
      .refine((p) => {
        const d = new Date(`${p}T00:00:00Z`);
        return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === p;
      }, 'period is not a calendar date'),
    value: z.coerce.number().finite(),
    unit: z.string().trim().max(16).optional().default(''),
  })
  .strict();

export const MetricsImportBody = z
  .object({
    metrics: z.array(MetricRowSchema).min(1).max(MAX_IMPORT_ROWS),
  })
  .strict();

export type MetricRow = z.output<typeof MetricRowSchema>;

export const MetricsListQuery = z
  .object({
    metric: z.string().min(1).max(64).optional(),
  })
  .strict();

/** Parses `metric,period,value[,unit]` CSV (header row required; quoted fields allowed) into raw rows. */
export function parseMetricsCsv(text: string): Record<string, string>[] {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new ValidationError('CSV body is empty');
  const split = (line: string): string[] => {
    const out: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') {
        out.push(cur);
        cur = '';
      } else cur += c;
    }
    out.push(cur);
    return out.map((s) => s.trim());
  };
  const header = split(lines[0]!).map((h) => h.toLowerCase());
  const missing = ['metric', 'period', 'value'].filter((h) => !header.includes(h));
  const unknown = header.filter((h) => !['metric', 'period', 'value', 'unit'].includes(h));
  if (missing.length > 0 || unknown.length > 0) {
    throw new ValidationError('CSV header must be metric,period,value[,unit]', {
      missing,
      unknown,
    });
  }
  return lines.slice(1).map((line, i) => {
    const cells = split(line);
    if (cells.length !== header.length) {
      throw new ValidationError(`CSV line ${i + 2} has ${cells.length} fields, expected ${header.length}`, [
        { in: 'body', path: `line ${i + 2}`, message: 'wrong number of fields' },
      ]);
    }
    return Object.fromEntries(header.map((h, j) => [h, cells[j]!]));
  });
}

/** Validates raw rows (from JSON or CSV); every issue is listed; the same (metric, period) twice is an error. */
export function validateMetricRows(raw: unknown): MetricRow[] {
  const r = MetricsImportBody.safeParse(raw);
  if (!r.success) {
    const details = r.error.issues.map((i) => ({
      in: 'body',
      path: i.path.map(String).join('.'),
      message: i.message,
    }));
    throw new ValidationError(`Invalid metrics: ${details[0]?.path}: ${details[0]?.message}`, details);
  }
  const seen = new Map<string, number>();
  const dupes: { in: string; path: string; message: string }[] = [];
  r.data.metrics.forEach((row, i) => {
    const k = `${row.metric}|${row.period}`;
    const first = seen.get(k);
    if (first !== undefined) {
      dupes.push({ in: 'body', path: `metrics.${i}`, message: `same metric and period as metrics.${first}` });
    } else seen.set(k, i);
  });
  if (dupes.length > 0) throw new ValidationError('Duplicate metric and period in one import', dupes);
  return r.data.metrics;
}

export interface ImportResult {
  org_id: string;
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  metrics: string[];
  data_version: number;
}

/** One transaction: upsert every row, then bump the data version when any row was inserted or changed. */
export async function importMetrics(db: Db, orgId: string, rows: MetricRow[]): Promise<ImportResult> {
  const result = await db.transaction(async (tx) => {
    const written = await upsertMetrics(tx, orgId, rows);
    const inserted = written.filter((x) => x.inserted).length;
    const version =
      written.length > 0 ? await bumpDataVersion(tx, orgId) : (await readDataVersion(tx, orgId)).version;
    return {
      org_id: orgId,
      received: rows.length,
      inserted,
      updated: written.length - inserted,
      unchanged: rows.length - written.length,
      metrics: [...new Set(rows.map((x) => x.metric))].sort(),
      data_version: version,
    };
  });
  // committed: this process's next request reads the new version
  invalidateDataVersion(orgId);
  return result;
}

export interface StoredMetrics {
  org_id: string;
  data_version: number;
  /** ISO 8601 (ms, Z) of the last change, null when the org has no data yet */
  updated_at: string | null;
  metrics: { metric: string; unit: string; points: { period: string; value: number }[] }[];
}

export async function listMetrics(db: Queryable, orgId: string, metric?: string): Promise<StoredMetrics> {
  const name = metric === undefined ? undefined : normaliseMetricName(metric);
  const [rows, version] = await Promise.all([metricSeries(db, orgId, name), readDataVersion(db, orgId)]);
  const by = new Map<string, StoredMetrics['metrics'][number]>();
  for (const r of rows) {
    let m = by.get(r.metric);
    if (!m) {
      m = { metric: r.metric, unit: r.unit, points: [] };
      by.set(r.metric, m);
    }
    m.unit = r.unit;
    m.points.push({ period: r.period, value: Number(r.value) });
  }
  return {
    org_id: orgId,
    data_version: version.version,
    updated_at: rows.length > 0 ? version.updatedAt : null,
    metrics: [...by.values()],
  };
}
