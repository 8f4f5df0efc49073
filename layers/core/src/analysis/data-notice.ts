import type { SkillSummary } from '../decisions/types';

export const NO_COMPANY_DATA_NOTICE =
  'No company metrics are on record for this organisation: figures that would come from your own data ' +
  '(revenue base, margins, growth) use stated defaults instead. An admin can import them with POST /api/v1/org/metrics.';

/**
 * What the answer must say about the data it stands on: when the company_metrics skill ran and found nothing,
 * the analysis rests on defaults, and the answer says so (in `notices` and in its rationale).
 */
export function dataNotices(skills: readonly SkillSummary[]): string[] {
  const metrics = skills.find((s) => s.name === 'company_metrics');
  if (metrics?.ok && Number(metrics.figures.metrics_found ?? 0) === 0) return [NO_COMPANY_DATA_NOTICE];
  return [];
}

/** The rationale with the notices appended (once), so a reader of the text alone sees them too. */
export function withNotices(rationale: string, notices: readonly string[]): string {
  const missing = notices.filter((n) => !rationale.includes(n));
  return missing.length === 0 ? rationale : `${rationale}\n\nNote: ${missing.join(' ')}`;
}
