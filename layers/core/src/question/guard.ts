import { compareFrames, type Frame, type FrameDifference, parseFrame } from './frame';

/**
 * The semantic cache's decision, without a database: may a cached answer to `candidate` answer `query`,
 * given the embedder's cosine similarity of the two? A hit needs the similarity at or above `threshold`
 * and the same question frame (entities, action and polarity, order and direction, groups, and every
 * content word equal or a known equivalent). When only words the lexicons do not know differ (at most
 * `maxUnknownWords`), and the similarity is at least `verifyFloor`, the answer is `verify`: ask the
 * verifier if there is one, else it is a miss.
 */
export interface GuardPolicy {
  threshold: number;
  /** lowest similarity sent to the verifier (default: the threshold) */
  verifyFloor?: number;
  /** most unknown differing words sent to the verifier (default 2) */
  maxUnknownWords?: number;
}

export type GuardMissReason = 'below_threshold' | 'entity_mismatch' | 'frame_mismatch' | 'frame_unsure';

export type GuardDecision =
  | { decision: 'hit' }
  | { decision: 'verify'; differing: string[] }
  | { decision: 'miss'; reason: GuardMissReason; difference?: FrameDifference; differing?: string[] };

export function decideCandidate(
  query: string | Frame,
  candidate: string | Frame,
  similarity: number,
  policy: GuardPolicy,
): GuardDecision {
  const floor = Math.min(policy.threshold, policy.verifyFloor ?? policy.threshold);
  if (similarity < floor) return { decision: 'miss', reason: 'below_threshold' };
  const a = typeof query === 'string' ? parseFrame(query) : query;
  const b = typeof candidate === 'string' ? parseFrame(candidate) : candidate;
  const c = compareFrames(a, b);
  if (c.verdict === 'same') {
    return similarity >= policy.threshold
      ? { decision: 'hit' }
      : { decision: 'miss', reason: 'below_threshold' };
  }
  if (c.verdict === 'different') {
    return {
      decision: 'miss',
      reason: c.difference === 'entity' || c.difference === 'name' ? 'entity_mismatch' : 'frame_mismatch',
      difference: c.difference,
      differing: c.differing,
    };
  }
  if (c.differing.length <= (policy.maxUnknownWords ?? 2))
    return { decision: 'verify', differing: c.differing };
  return { decision: 'miss', reason: 'frame_unsure', difference: c.difference, differing: c.differing };
}
