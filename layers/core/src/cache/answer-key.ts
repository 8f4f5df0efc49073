import { canonicalJson, sha256Hex } from '../hash';
import { buildCacheKey, type CacheKey } from './keys';

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
