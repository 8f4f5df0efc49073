import { buildCacheKey, type CacheKey, canonicalJson, sha256Hex } from './keys';

/** Lowercase, Unicode-normalised, whitespace collapsed, trailing punctuation stripped. */
export function normalizeQuery(query: string): string {
  return query
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s?!.,;:…。？！]+$/u, '')
    .trim();
}

/** sha256 of the normalised query: the `query_hash` column and part of the exact-match key. */
export function queryHash(query: string): string {
  return sha256Hex(normalizeQuery(query));
}

/** Hash of the thread context an answer depends on (earlier turns); '' when there is none. */
export function hashContext(context: unknown): string {
  if (context === undefined || context === null) return '';
  if (Array.isArray(context) && context.length === 0) return '';
  return sha256Hex(canonicalJson(context));
}

export interface AnswerKeyInput {
  orgId: string;
  query: string;
  model: string;
  promptVersion: string;
  /** `hashContext(previous turns)`; '' for a fresh question. */
  contextHash: string;
  /** skill name → version of every skill the agent may call */
  skillVersions: Record<string, string>;
  /** `org_data_versions.version`: bumped when the org's data changes */
  dataVersion: number;
}

/** Exact-match key for analyze answers: `v{n}:{org}:answer:analyze:{sha256(…)}`. */
export function buildAnswerCacheKey(input: AnswerKeyInput, keyVersion = 1): CacheKey {
  return buildCacheKey({
    version: keyVersion,
    org: input.orgId,
    kind: 'answer',
    name: 'analyze',
    parts: {
      q: normalizeQuery(input.query),
      model: input.model,
      prompt: input.promptVersion,
      ctx: input.contextHash,
      skills: input.skillVersions,
      data: input.dataVersion,
    },
  });
}

/** What `isCacheable` looks at; the agent's result (or a wrapper around it) provides these. */
export interface CacheabilityInfo {
  error?: unknown;
  ok?: boolean;
  /** Claude's stop reason for the final turn. */
  stop_reason?: string | null;
  refusal?: boolean;
  truncated?: boolean;
  /** The stream was aborted (client went away, time-out) before the final message. */
  aborted?: boolean;
}

/** Stop reasons after which an answer is complete. Anything else (max_tokens, refusal, …) is not stored. */
const COMPLETE_STOP_REASONS = new Set(['end_turn', 'stop_sequence']);

export type NotCacheableReason = 'error' | 'aborted' | 'truncated' | 'refusal' | 'incomplete';

/** Why a result must not be cached, or undefined when it may be. */
export function notCacheableReason(
  result: CacheabilityInfo | null | undefined,
): NotCacheableReason | undefined {
  if (!result) return 'error';
  if ((result.error !== undefined && result.error !== null) || result.ok === false) return 'error';
  if (result.aborted) return 'aborted';
  if (result.truncated) return 'truncated';
  if (result.refusal) return 'refusal';
  const sr = result.stop_reason;
  if (sr === 'max_tokens' || sr === 'model_context_window_exceeded') return 'truncated';
  if (sr === 'refusal') return 'refusal';
  if (sr !== undefined && sr !== null && !COMPLETE_STOP_REASONS.has(sr)) return 'incomplete';
  return undefined;
}

/** Errors, refusals, truncated answers (`stop_reason: max_tokens`) and aborted streams are never cached. */
export function isCacheable(result: CacheabilityInfo | null | undefined): boolean {
  return notCacheableReason(result) === undefined;
}
