import * as z from 'zod';
import { defineSkill, type SkillContext } from '../types';

export const CompanyMetricsInput = z.object({
  metrics: z
    .array(z.string().min(1).max(64))
    .max(20)
    .optional()
    .describe('Metric names, e.g. ["revenue", "gross_margin"]; omit to get every metric the company tracks'),
  periods: z.number().int().min(2).max(36).default(4).describe('How many recent periods the trend covers'),
});

export type CompanyMetricsInput = z.infer<typeof CompanyMetricsInput>;

export interface MetricPoint {
  period: string;
  value: number;
}

export interface MetricSummary {
  metric: string;
  unit: string;
  latest: MetricPoint;
  /** oldest → newest, at most `periods` points */
  series: MetricPoint[];
  /** latest − oldest point of the series */
  change: number;
  /** change / |oldest|, null when the oldest is 0 or there is one point */
  change_pct: number | null;
  direction: 'up' | 'down' | 'flat';
}

export interface CompanyMetricsOutput {
  metrics: MetricSummary[];
  not_found: string[];
}

interface MetricRow {
  metric: string;
  period: Date | string;
  value: number | string;
  unit: string;
}

/**
 * At most 20 metrics × 36 periods; org_id is always the caller's, bound as $1. The period comes back as
 * 'YYYY-MM-DD' text: the driver would parse a date into a Date only for the skill to format it again.
 */
const SQL_NAMED = `
SELECT metric, to_char(period, 'YYYY-MM-DD') AS period, value, unit FROM (
  SELECT metric, period, value, unit,
         row_number() OVER (PARTITION BY metric ORDER BY period DESC) AS rn
  FROM company_metrics
  WHERE org_id = $1 AND metric = ANY($2::text[])
) recent
WHERE rn <= $3
ORDER BY metric, recent.period`;

const SQL_ALL = `
SELECT metric, to_char(period, 'YYYY-MM-DD') AS period, value, unit FROM (
  SELECT metric, period, value, unit,
         row_number() OVER (PARTITION BY metric ORDER BY period DESC) AS rn,
         dense_rank() OVER (ORDER BY metric) AS metric_no
  FROM company_metrics
  WHERE org_id = $1
) recent
WHERE rn <= $2 AND metric_no <= 20
ORDER BY metric, recent.period`;

export function normaliseMetricName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

function isoDate(value: Date | string): string {
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);
}

const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;

export async function queryCompanyMetrics(
  input: CompanyMetricsInput,
  ctx: Pick<SkillContext, 'db' | 'orgId'>,
): Promise<CompanyMetricsOutput> {
  const requested = input.metrics ? [...new Set(input.metrics.map(normaliseMetricName))] : undefined;
  const { rows } = requested
    ? await ctx.db.query<MetricRow>(SQL_NAMED, [ctx.orgId, requested, input.periods])
    : await ctx.db.query<MetricRow>(SQL_ALL, [ctx.orgId, input.periods]);

  const byMetric = new Map<string, MetricRow[]>();
  for (const row of rows) {
    const list = byMetric.get(row.metric) ?? [];
    list.push(row);
    byMetric.set(row.metric, list);
  }
  const metrics: MetricSummary[] = [];
  for (const [metric, list] of byMetric) {
    const series = list.map((r) => ({ period: isoDate(r.period), value: Number(r.value) }));
    const first = series[0]!;
    const latest = series[series.length - 1]!;
    const change = latest.value - first.value;
    metrics.push({
      metric,
      unit: list[list.length - 1]!.unit,
      latest,
      series,
      change: round(change),
      change_pct: series.length > 1 && first.value !== 0 ? round(change / Math.abs(first.value)) : null,
      direction: change > 0 ? 'up' : change < 0 ? 'down' : 'flat',
    });
  }
  const notFound = requested ? requested.filter((m) => !byMetric.has(m)) : [];
  return { metrics, not_found: notFound };
}

export const companyMetrics = defineSkill({
  name: 'company_metrics',
  version: '1.0.0',
  dependsOn: 'org_data',
  description:
    "The company's own recorded metrics (e.g. revenue, gross_margin, churn_rate, headcount): latest value and the trend over the last N periods. Unknown metric names are listed in not_found; omit metrics to list all.",
  input: CompanyMetricsInput,
  run: (input, ctx) => queryCompanyMetrics(input, ctx),
  figures: (o: CompanyMetricsOutput) => {
    const figures: Record<string, number | string | null> = {
      metrics_found: o.metrics.length,
      not_found: o.not_found.length,
    };
    for (const m of o.metrics.slice(0, 4)) {
      figures[`${m.metric}_latest`] = m.latest.value;
      figures[`${m.metric}_change_pct`] = m.change_pct;
    }
    return figures;
  },
});
