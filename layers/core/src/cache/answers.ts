import type { VerificationResult } from '../llm/question-verifier';
import { type AnswerKeyInput, buildAnswerCacheKey } from './answer-key';
import type { SemanticCache } from './semantic';
import type { TieredCache } from './tiered';

/** Which level answered: the exact caches (in-process L1, Redis L2), the semantic cache, or a computation. */
export type AnswerOrigin = 'l1' | 'l2' | 'semantic' | 'agent';

/**
 * What a computation hands back: the answer (what is cached), whether it may be cached (a complete, uncancelled
 * run), and `run`: what the computation reports about itself (e.g. its model usage), which belongs to the
 * caller that computed it and is never cached.
 */
export interface ComputedAnswer<A, R> {
  answer: A;
  complete: boolean;
  run: R;
}

/**
 * Computes the answer when no level has it. `signal` is the shared computation's: concurrent identical requests
 * (single-flight) wait on one computation, so it aborts only when every one of them has gone.
 */
export type ComputeAnswer<A, R> = (signal: AbortSignal) => Promise<ComputedAnswer<A, R>>;

export interface AnswerResult<A, R> {
  answer: A;
  origin: AnswerOrigin;
  /**
   * Present only when this caller's own computation produced the answer (its live events went to this caller,
   * its cost is this request's): the computation's `run`. Undefined for every cache hit, and for a request that
   * waited on an identical request's run.
   */
  run?: R;
  /** The verifier calls this caller's semantic lookup made (their cost is this request's); usually none. */
  verifications: readonly VerificationResult[];
}

export interface AnswerCache {
  getOrCompute<A extends object, R>(
    key: AnswerKeyInput,
    compute: ComputeAnswer<A, R>,
    opts?: { signal?: AbortSignal },
  ): Promise<AnswerResult<A, R>>;
}

/**
 * The answer cache of analyze: the exact-match levels (L1 → L2, with single-flight in the instance and a lease
 * across instances: `TieredCache`) over the semantic level (pgvector; same org, model, prompt, thread context and
 * data version: `SemanticCache`) over the computation. Only complete answers are stored, in both levels; an
 * answer the semantic level found is written back to L1/L2 under the exact key.
 *
 * `signal` detaches only its caller: a computation shared with other callers runs on for them.
 */
export function createAnswerCache(tiered: TieredCache, semantic: SemanticCache): AnswerCache {
  // The level that produced a loaded answer, for the callers that waited on another caller's load (the loaded
  // object is shared by all of them). Weak: nothing is kept once the answer is gone.
  const producedBy = new WeakMap<object, 'semantic' | 'agent'>();

  return {
    async getOrCompute<A extends object, R>(
      key: AnswerKeyInput,
      compute: ComputeAnswer<A, R>,
      opts: { signal?: AbortSignal } = {},
    ): Promise<AnswerResult<A, R>> {
      // What this caller's own load did; undefined when the answer came from a cache or another caller's load.
      let own:
        | { origin: 'semantic' | 'agent'; verifications: readonly VerificationResult[]; run?: R }
        | undefined;
      let complete = false;

      const load = async (signal: AbortSignal): Promise<A> => {
        const hit = await semantic.lookup<A>(key);
        const verifications = hit.status === 'unavailable' ? [] : (hit.verifications ?? []);
        if (hit.status === 'hit') {
          own = { origin: 'semantic', verifications };
          complete = true;
          producedBy.set(hit.response, 'semantic');
          return hit.response;
        }
        own = { origin: 'agent', verifications };
        const r = await compute(signal);
        own.run = r.run;
        complete = r.complete && !signal.aborted;
        if (complete) {
          const embedding = hit.status === 'miss' ? hit.embedding : undefined;
          await semantic.store({ ...key, response: r.answer, embedding });
        }
        producedBy.set(r.answer, 'agent');
        return r.answer;
      };

      const got = await tiered.getOrLoad(buildAnswerCacheKey(key, tiered.keyVersion), 'answer', load, {
        cacheIf: () => complete,
        signal: opts.signal,
      });
      if (got.level !== 'source') return { answer: got.value, origin: got.level, verifications: [] };
      if (own)
        return { answer: got.value, origin: own.origin, run: own.run, verifications: own.verifications };
      return { answer: got.value, origin: producedBy.get(got.value) ?? 'agent', verifications: [] };
    },
  };
}
