/**
 * A synthetic but realistically skewed decision corpus for the keyword benchmark, generated set-based in SQL
 * (one INSERT … SELECT over generate_series per batch, no row-by-row round trips).
 *
 * Each question is opener + action + segment + place + timeframe; each recommendation is one of 16
 * templates, some naming the place or a figure. Actions are drawn with a power law (the first is ~16% of
 * the rows, the last ~1.3%), the other slots uniformly, from independent hash streams of the row number —
 * so word frequencies range from "in every row" to "a few hundred rows per million", words from different
 * slots co-occur by chance, and words of the same slot never do (the bench's adversarial question,
 * "expanding into new markets overseas", takes its words from three different actions).
 * Deterministic: the same `from..to` range always gives the same texts.
 */
import { randomUUID } from 'node:crypto';
import { createUser } from '../layers/core/src/auth/users';
import type { Queryable } from '../layers/core/src/db/types';
import { createOrg } from '../layers/core/src/orgs/orgs';
import { PLACES as RETRIEVAL_PLACES } from './eval/retrieval-set';

const sqlArray = (xs: readonly string[]) => `ARRAY[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]`;

export const OPENERS = [
  'Should we',
  'Is it time to',
  'Do we',
  'What are the risks if we',
  'Would it pay to',
  'How fast should we',
] as const;

/** Most frequent first (power-law draw). */
export const ACTIONS = [
  'raise prices',
  'hire senior engineers',
  'expand our sales team',
  'open a new office',
  'cut the marketing budget',
  'acquire a competitor',
  'migrate workloads to the cloud',
  'launch a free tier',
  'outsource customer support',
  'freeze hiring',
  'sell the hardware division',
  'partner with a distributor',
  'build an in-house data platform',
  'renegotiate supplier contracts',
  'consolidate our warehouses',
  'introduce a loyalty programme',
  'move manufacturing closer to customers',
  'switch payroll providers',
  'offer fully remote work',
  'enter the healthcare vertical',
  'invest in warehouse automation',
  'shut down the legacy product',
  'raise a Series B round',
  'cut the travel budget',
  'buy back shares',
  'lease more office space',
  'replace the ERP system',
  'add a premium support plan',
  'localise the mobile app',
  'spin off the consulting unit',
  'adopt usage-based pricing',
  'bring billing in-house',
  'open a flagship store',
  'drop the lowest-margin SKUs',
  'sponsor a developer conference',
  'certify for SOC 2',
  'hedge our currency exposure',
  'refinance the term loan',
  'pilot a four-day week',
  'license our API to partners',
] as const;

export const SEGMENTS = [
  'for enterprise customers',
  'for small businesses',
  'for the retail segment',
  'for public sector clients',
  'for our largest accounts',
  'for students',
  'for logistics companies',
  'for hospitals',
  'for banks',
  'for resellers',
  'across all product lines',
  'for the mid-market',
  'for new customers only',
  'for existing subscribers',
  'for the hardware line',
] as const;

/** The retrieval set's places, then more (a larger corpus wants a wider spread). */
export const PLACES = [
  ...RETRIEVAL_PLACES,
  'Italy',
  'Chile',
  'Egypt',
  'Vietnam',
  'Norway',
  'Peru',
  'Texas',
  'Ontario',
  'Bavaria',
  'Scotland',
  'the Nordics',
  'the Gulf region',
  'Southeast Asia',
  'the Benelux',
  'Australia',
  'South Korea',
  'Nigeria',
  'Turkey',
  'Colombia',
  'Ireland',
] as const;

export const TIMEFRAMES = [
  'next quarter',
  'this year',
  'in 2027',
  'before the holiday season',
  'within six months',
  'after the audit',
  'in the second half',
  'by year end',
  'once the merger closes',
] as const;

/** `{place}` and `{usd}` ($1M–$20M) are filled per row. */
export const RECOMMENDATIONS = [
  'Run a staged pilot in {place} first and review after one quarter.',
  'Proceed with a budget cap of {usd} and an exit criterion.',
  'Wait for better demand data before committing.',
  'Go ahead in two phases, lowest risk first.',
  'Decline for now and revisit when runway exceeds 24 months.',
  'Approve, but hire a local lead in {place} before launch.',
  'Negotiate a six-month trial with a break clause.',
  'Proceed only if gross margin stays above 40 percent.',
  'Start with the three largest accounts and measure churn.',
  'Defer until the board approves the revised forecast.',
  'Test the idea with a small team in {place} for eight weeks.',
  'Go ahead; the payback period is under eighteen months.',
  'Reject: the downside risk outweighs a {usd} upside.',
  'Split the budget and compare both options after one quarter.',
  'Ask finance for a sensitivity analysis before deciding.',
  'Approve with quarterly checkpoints and a named owner.',
] as const;

/** A uniform draw in [0, 1) from stream `k` of row `i` (deterministic). */
const u = (k: number) => `((hashint4(i * 16 + ${k}) & 2147483647) % 1000003) / 1000003.0`;

/**
 * `INSERT … SELECT` of rows `$3..$4` for org `$1`, user `$2`; created_at spreads one second apart, newest
 * = row 1. Runs on PostgreSQL (hashint4 is built in).
 */
export const SEED_DECISIONS_SQL = `
INSERT INTO decisions (decision_id, org_id, user_id, query, result, recommendation, confidence, model,
                       answered_from, created_at)
SELECT gen_random_uuid(), $1, $2,
       (${sqlArray(OPENERS)})[1 + floor(${u(1)} * ${OPENERS.length})::int] || ' ' ||
       (${sqlArray(ACTIONS)})[1 + floor(power(${u(2)}, 2) * ${ACTIONS.length})::int] || ' ' ||
       (${sqlArray(SEGMENTS)})[1 + floor(${u(3)} * ${SEGMENTS.length})::int] || ' in ' ||
       place || ' ' ||
       (${sqlArray(TIMEFRAMES)})[1 + floor(${u(5)} * ${TIMEFRAMES.length})::int] || '?',
       '{}'::jsonb,
       replace(replace((${sqlArray(RECOMMENDATIONS)})[1 + floor(${u(6)} * ${RECOMMENDATIONS.length})::int],
               '{place}', place), '{usd}', '$' || (1 + floor(${u(7)} * 20)::int) || 'M'),
       round((0.4 + ${u(8)} * 0.55)::numeric, 2), 'offline', 'agent', now() - make_interval(secs => i)
  FROM generate_series($3::int, $4::int) AS i,
       LATERAL (SELECT (${sqlArray(PLACES)})[1 + floor(${u(4)} * ${PLACES.length})::int] AS place) p`;

export interface SeededOrg {
  orgId: string;
  userId: string;
  name: string;
  rows: number;
}

/**
 * The keyword benches' tenants: `rows` decisions in one org ("big": the worst case, the table nearly all
 * its own) and a tenth of that in another ("other", stored after it), seeded set-based in batches of 20,000.
 */
export async function seedKeywordOrgs(
  db: Queryable,
  rows: number,
): Promise<{ big: SeededOrg; other: SeededOrg }> {
  const big = { orgId: randomUUID(), userId: randomUUID(), name: 'big', rows };
  const other = { orgId: randomUUID(), userId: randomUUID(), name: 'other', rows: Math.round(rows / 10) };
  for (const o of [big, other]) {
    await createOrg(db, { orgId: o.orgId, name: o.name });
    await createUser(db, {
      orgId: o.orgId,
      userId: o.userId,
      email: `${o.userId}@x.test`,
      passwordHash: 'x',
    });
    for (let from = 1; from <= o.rows; from += 20_000) {
      await db.query(SEED_DECISIONS_SQL, [o.orgId, o.userId, from, Math.min(o.rows, from + 19_999)]);
    }
  }
  return { big, other };
}
