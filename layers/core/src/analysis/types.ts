/** The structured analysis every path produces (offline model, Claude, caches) and the API's response shape. */
export interface DecisionOption {
  name: string;
  summary: string;
  /** 0..1, higher is better */
  score: number;
  pros: string[];
  cons: string[];
}

export interface DecisionRisk {
  name: string;
  /** 1..5 */
  likelihood: number;
  /** 1..5 */
  impact: number;
  /** likelihood × impact, 1..25 */
  score: number;
  mitigation: string;
}

/** What one skill contributed, as shown to the user. */
export interface SkillSummary {
  name: string;
  version: string;
  ok: boolean;
  duration_ms: number;
  /** Key figures, e.g. { npv: 1234.5, irr: 0.12 } */
  figures: Record<string, number | string | boolean | null>;
  error?: string;
}

export interface Analysis {
  recommendation: string;
  options: DecisionOption[];
  risks: DecisionRisk[];
  /** 0..1 */
  confidence: number;
  rationale: string;
  skills: SkillSummary[];
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  cost_usd: number;
}

export type AnsweredFrom = 'l1' | 'l2' | 'semantic' | 'agent';

export interface AnalyzeResponse extends Analysis {
  decision_id: string;
  query: string;
  thread_id: string | null;
  model: string;
  usage: Usage;
  latency_ms: number;
  answered_from: AnsweredFrom;
  /** What the answer stands on that the reader must know, e.g. that the org has no company data on record. */
  notices: string[];
  created_at: string;
}

export const ZERO_USAGE: Usage = {
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
  cost_usd: 0,
};
