import type { Queryable } from '../db/types';

// The `company_metrics` table: an org's own figures, one value per metric and period (`YYYY-MM-DD`, the first
// of the month). Every statement is scoped to one org, bound as `$1`. Writers bump the org's data version
// themselves (`decisions/data-version.ts`), inside the same transaction where there is one.

/** One figure to write. */
export interface MetricValue {
  metric: string;
  /** `YYYY-MM-DD` */
  period: string;
  value: number;
  unit: string;
}

/** A metric's row as read back: `period` is a `YYYY-MM-DD` string, `value` the exact numeric as text or number. */
export interface MetricRow {
  metric: string;
  period: string;
  value: number | string;
  unit: string;
}

/** `Revenue growth ` → `revenue_growth`: the one spelling of a metric name, on import and on lookup. */
export function normaliseMetricName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * Upserts the rows in one statement (unnest of column arrays). A row whose value and unit are unchanged is left
 * alone; the answer lists the rows written, each marked inserted (new) or not (updated).
 */
export async function upsertMetrics(
  db: Queryable,
  orgId: string,
  rows: readonly MetricValue[],
): Promise<{ inserted: boolean }[]> {
  const r = await db.query<{ inserted: boolean }>(
    `INSERT INTO company_metrics (org_id, metric, period, value, unit)
     SELECT $1::uuid, m, p::date, v, u
     FROM unnest($2::text[], $3::text[], $4::numeric[], $5::text[]) AS t(m, p, v, u)
     ON CONFLICT (org_id, metric, period) DO UPDATE SET value = EXCLUDED.value, unit = EXCLUDED.unit
       WHERE company_metrics.value IS DISTINCT FROM EXCLUDED.value
          OR company_metrics.unit IS DISTINCT FROM EXCLUDED.unit
     RETURNING (xmax = 0) AS inserted`,
    [
      orgId,
      rows.map((x) => x.metric),
      rows.map((x) => x.period),
      rows.map((x) => x.value),
      rows.map((x) => x.unit),
    ],
  );
  return r.rows;
}

/**
 * The latest `periods` points of each metric, oldest first within a metric: of the named metrics, or of the
 * first 20 metrics (by name) when `names` is undefined.
 */
export async function recentMetrics(
  db: Queryable,
  orgId: string,
  q: { names?: readonly string[]; periods: number },
): Promise<MetricRow[]> {
  const recent = `to_char(period, 'YYYY-MM-DD') AS period, value, unit`;
  const r = q.names
    ? await db.query<MetricRow>(
        `SELECT metric, ${recent} FROM (
           SELECT metric, period, value, unit,
                  row_number() OVER (PARTITION BY metric ORDER BY period DESC) AS rn
           FROM company_metrics
           WHERE org_id = $1 AND metric = ANY($2::text[])
         ) recent
         WHERE rn <= $3
         ORDER BY metric, recent.period`,
        [orgId, [...q.names], q.periods],
      )
    : await db.query<MetricRow>(
        `SELECT metric, ${recent} FROM (
           SELECT metric, period, value, unit,
                  row_number() OVER (PARTITION BY metric ORDER BY period DESC) AS rn,
                  dense_rank() OVER (ORDER BY metric) AS metric_no
           FROM company_metrics
           WHERE org_id = $1
         ) recent
         WHERE rn <= $2 AND metric_no <= 20
         ORDER BY metric, recent.period`,
        [orgId, q.periods],
      );
  return r.rows;
}

/** Every point of one metric (or of all), by metric then period; `value` is the exact numeric as text. */
export async function metricSeries(db: Queryable, orgId: string, metric?: string): Promise<MetricRow[]> {
  const r = await db.query<MetricRow>(
    `SELECT metric, to_char(period, 'YYYY-MM-DD') AS period, value::text AS value, unit
       FROM company_metrics WHERE org_id = $1 AND ($2::text IS NULL OR metric = $2)
      ORDER BY metric, period`,
    [orgId, metric ?? null],
  );
  return r.rows;
}
