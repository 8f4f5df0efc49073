import * as z from 'zod';
import { defineSkill, type SkillContext } from '../types';

export const PastDecisionsInput = z.object({
  query: z.string().min(1).max(500).describe('What the decision is about, in plain words'),
  limit: z.number().int().min(1).max(10).default(5),
});

export type PastDecisionsInput = z.infer<typeof PastDecisionsInput>;

export interface PastDecision {
  decision_id: string;
  query: string;
  recommendation: string;
  confidence: number;
  created_at: string;
  rank: number;
}

export interface PastDecisionsOutput {
  decisions: PastDecision[];
}

interface DecisionRow {
  decision_id: string;
  query: string;
  recommendation: string;
  confidence: number | string;
  created_at: Date | string;
  rank: number | string;
}

const SQL = `
SELECT decision_id, query, recommendation, confidence, created_at, ts_rank(search_tsv, q) AS rank
FROM decisions, websearch_to_tsquery('english', $2) AS q
WHERE org_id = $1 AND search_tsv @@ q
ORDER BY rank DESC, created_at DESC, decision_id
LIMIT $3`;

/**
 * Turns free text into a websearch query that matches ANY of its words (`a or b or c`), so a long question
 * still finds decisions that share its key terms; ts_rank puts those sharing more terms first. Operators and
 * quotes are removed, so user text cannot change the query's structure.
 */
export function toAnyWordQuery(text: string): string {
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 1 && w !== 'or')
    .slice(0, 32);
  return [...new Set(words)].join(' or ');
}

export async function searchPastDecisions(
  input: PastDecisionsInput,
  ctx: Pick<SkillContext, 'db' | 'orgId'>,
): Promise<PastDecisionsOutput> {
  const q = toAnyWordQuery(input.query);
  if (q === '') return { decisions: [] };
  const { rows } = await ctx.db.query<DecisionRow>(SQL, [ctx.orgId, q, input.limit]);
  return {
    decisions: rows.map((r) => ({
      decision_id: r.decision_id,
      query: r.query,
      recommendation: r.recommendation,
      confidence: Number(r.confidence),
      created_at: r.created_at instanceof Date ? r.created_at.toISOString() : String(r.created_at),
      rank: Math.round(Number(r.rank) * 1e6) / 1e6,
    })),
  };
}

export const pastDecisions = defineSkill({
  name: 'past_decisions',
  version: '1.0.0',
  dependsOn: 'org_data',
  description:
    "The organisation's most relevant earlier decisions (full-text search over their questions and recommendations), best match first.",
  input: PastDecisionsInput,
  run: (input, ctx) => searchPastDecisions(input, ctx),
  figures: (o: PastDecisionsOutput) => ({
    matches: o.decisions.length,
    top_match: o.decisions[0]?.query ?? null,
  }),
});
