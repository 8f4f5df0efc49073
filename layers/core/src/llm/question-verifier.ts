import type { Usage } from './usage';

/**
 * The semantic cache's second opinion for borderline candidates: "do these two questions ask the same
 * thing, for the same subject?". Used only when the embedder and the question-frame guard are unsure (the
 * similarity is in the verification band and only words the lexicons do not know differ). The Claude
 * implementation is `llm/verifier.ts` (a small model, forced tool call); any failure counts as "different".
 */
export interface VerificationResult {
  same: boolean;
  model: string;
  usage: Usage;
  /** why it failed (the answer is then `same: false`) */
  error?: string;
}

export interface QuestionVerifier {
  readonly model: string;
  verify(asked: string, cached: string, signal?: AbortSignal): Promise<VerificationResult>;
}

/** SEMANTIC_VERIFIER_ENABLED / _MODEL / _TIMEOUT_MS */
export interface VerifierSettings {
  enabled: boolean;
  /** the cheapest tier, e.g. claude-haiku-5-5 */
  model: string;
  timeoutMs: number;
}

export const VERDICT_TOOL = 'question_verdict';
