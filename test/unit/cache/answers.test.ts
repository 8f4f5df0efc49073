import { describe, expect, it } from 'vitest';
import { createAnswerCache } from '#core/cache/answers';
import { loadCacheConfig } from '#core/cache/config';
import { L1Cache } from '#core/cache/l1';
import type { SemanticCache, SemanticLookupResult, SemanticStoreInput } from '#core/cache/semantic';
import { TieredCache } from '#core/cache/tiered';
import type { VerificationResult } from '#core/llm/question-verifier';
import { ZERO_USAGE } from '#core/llm/usage';

const key = {
  orgId: '11111111-1111-4111-8111-111111111111',
  query: 'Should we expand to Germany?',
  model: 'claude-sonnet-5-5',
  promptVersion: 'decision-v1',
  contextHash: '',
  skillVersions: { company_metrics: '1.0.0' },
  dataVersion: 3,
};

const verification: VerificationResult = {
  same: false,
  model: 'claude-haiku-5-5',
  usage: { ...ZERO_USAGE, input_tokens: 10, cost_usd: 0.001 },
};

/** A semantic level that answers what it is told and records what it is given to store. */
function fakeSemantic(next: () => SemanticLookupResult<object>) {
  const stored: SemanticStoreInput<unknown>[] = [];
  let lookups = 0;
  const semantic: SemanticCache = {
    threshold: 0.9,
    status: async () => 'available',
    lookup: async <T>() => {
      lookups += 1;
      return next() as SemanticLookupResult<T>;
    },
    store: async (input) => {
      stored.push(input);
      return { stored: true, id: String(stored.length) };
    },
    purgeExpired: async () => 0,
  };
  return { semantic, stored, lookups: () => lookups };
}

function tiered(): TieredCache {
  let t = 1_700_000_000_000;
  return new TieredCache({
    l1: new L1Cache({ maxBytes: 1_000_000, maxEntryBytes: 100_000, clock: { now: () => t++ } }),
    l2: null,
    policies: loadCacheConfig({}).policies,
    jitter: 0,
  });
}

const miss = (): SemanticLookupResult<object> => ({
  status: 'miss',
  reason: 'no_candidate',
  verifications: [],
});
const hit = (response: object, verifications: VerificationResult[] = []): SemanticLookupResult<object> => ({
  status: 'hit',
  id: '1',
  response,
  similarity: 0.97,
  matchedQuery: 'Should we expand into Germany?',
  embedding: [],
  verifications,
});

describe('answer cache (exact over semantic over the computation)', () => {
  it('computes on a miss, stores a complete answer in both levels, then answers from L1', async () => {
    const s = fakeSemantic(miss);
    const answers = createAnswerCache(tiered(), s.semantic);
    let runs = 0;
    const compute = async () => ({ answer: { n: ++runs }, complete: true, run: 'ran' });
    const first = await answers.getOrCompute(key, compute);
    expect(first).toEqual({ answer: { n: 1 }, origin: 'agent', run: 'ran', verifications: [] });
    expect(s.stored).toHaveLength(1);
    expect(s.stored[0]).toMatchObject({ orgId: key.orgId, query: key.query, response: { n: 1 } });
    const again = await answers.getOrCompute(key, compute);
    expect(again).toEqual({ answer: { n: 1 }, origin: 'l1', verifications: [] });
    expect(runs).toBe(1);
  });

  it('stores nothing the computation calls incomplete: the next request computes again', async () => {
    const s = fakeSemantic(miss);
    const answers = createAnswerCache(tiered(), s.semantic);
    let runs = 0;
    const compute = async () => ({ answer: { n: ++runs }, complete: runs > 1, run: 'ran' });
    expect((await answers.getOrCompute(key, compute)).origin).toBe('agent');
    expect(s.stored).toHaveLength(0);
    expect(await answers.getOrCompute(key, compute)).toMatchObject({ origin: 'agent', answer: { n: 2 } });
    expect(s.stored).toHaveLength(1);
    expect((await answers.getOrCompute(key, compute)).origin).toBe('l1');
  });

  it('answers a semantic hit without computing, and writes it back under the exact key', async () => {
    const s = fakeSemantic(() => hit({ cached: true }, [verification]));
    const answers = createAnswerCache(tiered(), s.semantic);
    const compute = async () => {
      throw new Error('must not run');
    };
    const got = await answers.getOrCompute(key, compute);
    expect(got).toEqual({
      answer: { cached: true },
      origin: 'semantic',
      verifications: [verification],
    });
    expect(got.run).toBeUndefined();
    expect(s.stored).toHaveLength(0);
    expect(await answers.getOrCompute(key, compute)).toMatchObject({ origin: 'l1', verifications: [] });
    expect(s.lookups()).toBe(1);
  });

  it('concurrent identical requests share one computation: only its caller computed it', async () => {
    const s = fakeSemantic(() => ({
      status: 'miss',
      reason: 'verifier_rejected',
      verifications: [verification],
    }));
    const answers = createAnswerCache(tiered(), s.semantic);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let runs = 0;
    const compute = async () => {
      runs += 1;
      await gate;
      return { answer: { n: runs }, complete: true, run: 'ran' };
    };
    const leader = answers.getOrCompute(key, compute);
    const follower = answers.getOrCompute(key, compute);
    release();
    const [a, b] = await Promise.all([leader, follower]);
    expect(runs).toBe(1);
    expect(a).toEqual({ answer: { n: 1 }, origin: 'agent', run: 'ran', verifications: [verification] });
    // the follower waited on the leader's run: same origin, nothing computed or verified for it
    expect(b.run).toBeUndefined();
    expect(b).toEqual({ answer: { n: 1 }, origin: 'agent', verifications: [] });
  });

  it("a follower of a shared semantic hit reports 'semantic'", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const s = fakeSemantic(() => hit({ cached: true }));
    const slowLookup = s.semantic.lookup;
    s.semantic.lookup = async (input) => {
      await gate;
      return slowLookup(input);
    };
    const answers = createAnswerCache(tiered(), s.semantic);
    const compute = async () => ({ answer: {}, complete: true, run: 'ran' });
    const both = Promise.all([answers.getOrCompute(key, compute), answers.getOrCompute(key, compute)]);
    release();
    const [a, b] = await both;
    expect([a.origin, b.origin]).toEqual(['semantic', 'semantic']);
    expect(s.lookups()).toBe(1);
  });

  it('a cancelled computation is not stored, even when it says complete', async () => {
    const s = fakeSemantic(miss);
    const answers = createAnswerCache(tiered(), s.semantic);
    const caller = new AbortController();
    let finish!: () => void;
    const done = new Promise<void>((r) => {
      finish = r;
    });
    let sawAbort = false;
    const got = answers.getOrCompute(
      key,
      async (signal) => {
        await done;
        sawAbort = signal.aborted;
        return { answer: { late: true }, complete: true, run: 'ran' };
      },
      { signal: caller.signal },
    );
    caller.abort(new Error('client went away'));
    await expect(got).rejects.toThrow('client went away');
    finish();
    // the shared computation saw that nobody waits any more; its answer goes nowhere
    const next = await answers.getOrCompute(key, async () => ({
      answer: { fresh: true },
      complete: true,
      run: 'ran',
    }));
    expect(sawAbort).toBe(true);
    expect(next).toMatchObject({ origin: 'agent', answer: { fresh: true } });
    expect(s.stored.map((x) => x.response)).toEqual([{ fresh: true }]);
  });
});
