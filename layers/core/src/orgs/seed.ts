import { hashPassword } from '../auth/password';
import { createUser, findUserByEmail } from '../auth/users';
import type { Queryable } from '../db/types';
import { bumpDataVersion } from '../decisions/data-version';
import { type MetricValue, upsertMetrics } from './metrics-store';
import { createOrg } from './orgs';

/** The demo tenant the local runtime creates on first start (never in AWS stages). */
export const DEMO = {
  orgId: '00000000-0000-4000-8000-000000000001',
  orgName: 'Acme Corp (demo)',
  userId: '00000000-0000-4000-8000-000000000101',
  email: 'demo@acme.test',
  password: 'demo-password-123',
} as const;

interface MetricSpec {
  metric: string;
  unit: string;
  start: number;
  growth: number;
  wobble: number;
}

const METRICS: MetricSpec[] = [
  { metric: 'revenue', unit: 'USD', start: 1_200_000, growth: 0.025, wobble: 0.03 },
  { metric: 'arr', unit: 'USD', start: 14_000_000, growth: 0.022, wobble: 0.01 },
  { metric: 'gross_margin', unit: 'ratio', start: 0.68, growth: 0.002, wobble: 0.01 },
  { metric: 'operating_expenses', unit: 'USD', start: 1_050_000, growth: 0.018, wobble: 0.02 },
  { metric: 'headcount', unit: 'people', start: 85, growth: 0.015, wobble: 0.0 },
  { metric: 'customer_acquisition_cost', unit: 'USD', start: 5_200, growth: 0.004, wobble: 0.05 },
  { metric: 'customer_lifetime_value', unit: 'USD', start: 26_000, growth: 0.006, wobble: 0.03 },
  { metric: 'churn_rate', unit: 'ratio', start: 0.021, growth: -0.01, wobble: 0.05 },
  { metric: 'net_promoter_score', unit: 'score', start: 38, growth: 0.008, wobble: 0.04 },
  { metric: 'cash_balance', unit: 'USD', start: 9_500_000, growth: -0.01, wobble: 0.02 },
  { metric: 'sales_pipeline', unit: 'USD', start: 4_200_000, growth: 0.02, wobble: 0.08 },
  { metric: 'active_customers', unit: 'count', start: 540, growth: 0.02, wobble: 0.01 },
];

/** Deterministic pseudo-noise in [-1, 1] so every fresh database gets the same demo numbers. */
function noise(i: number, j: number): number {
  const x = Math.sin(i * 12.9898 + j * 78.233) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

/** `months` monthly rows per metric, ending with the month before `end`. */
export function demoMetricRows(months = 24, end = new Date(Date.UTC(2026, 10, 1))) {
  const rows: MetricValue[] = [];
  METRICS.forEach((m, j) => {
    for (let i = 0; i < months; i++) {
      const d = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - months + i, 1));
      const base = m.start * (1 + m.growth) ** i;
      const value = base * (1 + m.wobble * noise(i, j));
      rows.push({
        metric: m.metric,
        period: d.toISOString().slice(0, 10),
        value: m.unit === 'ratio' ? Math.round(value * 10_000) / 10_000 : Math.round(value * 100) / 100,
        unit: m.unit,
      });
    }
  });
  return rows;
}

/** Writes the rows (upsert by metric and period) and bumps the org's data version. */
export async function insertMetricRows(
  db: Queryable,
  orgId: string,
  rows: readonly MetricValue[],
): Promise<void> {
  await upsertMetrics(db, orgId, rows);
  await bumpDataVersion(db, orgId);
}

/** Idempotent: creates the demo org, user and 24 months × 12 metrics (288 rows) when missing. */
export async function seedDemo(db: Queryable): Promise<{ created: boolean }> {
  if (await findUserByEmail(db, DEMO.email)) return { created: false };
  await createOrg(db, { orgId: DEMO.orgId, name: DEMO.orgName });
  await createUser(db, {
    userId: DEMO.userId,
    orgId: DEMO.orgId,
    email: DEMO.email,
    passwordHash: await hashPassword(DEMO.password),
    role: 'admin',
  });
  await insertMetricRows(db, DEMO.orgId, demoMetricRows());
  return { created: true };
}
