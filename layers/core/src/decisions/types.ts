import type { AnswerOrigin } from '../cache/answers';
import type { Usage } from '../llm/usage';

// A decision: the structured analysis every path produces (Claude, the offline model, the answer caches), and
// the stored row that is the analyze route's answer (`AnalyzeResponse`).

/** One option the analysis weighed. */
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

/** Which level answered: the exact caches (l1, l2), the semantic cache, or a run of the agent. */
export type AnsweredFrom = AnswerOrigin;

/** The semantic cache's verifier calls for one request: their tokens and cost are part of `usage`. */
export interface SemanticCheck {
  model: string;
  calls: number;
  /** whether a verified candidate answered */
  same: boolean;
  usage: Usage;
}

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
  /** present when the semantic cache asked its verifier about a borderline candidate */
  semantic_check?: SemanticCheck;
  created_at: string;
}
