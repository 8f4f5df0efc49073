import { Redis } from 'ioredis';
import type { Llm, LlmRequest } from '../layers/core/src/llm/types';
import { TEST_REDIS_URL } from '../test/support/analyze-services';

/** Shared by the analyze benches (bench-analyze.ts, concurrency-server.ts): model time per question, Redis probe. */

/** The question of a model request: the last user message written as plain text. */
export function questionOf(request: Pick<LlmRequest, 'messages'>): string {
  const m = [...request.messages].reverse().find((x) => x.role === 'user' && typeof x.content === 'string');
  return (m?.content as string | undefined) ?? '';
}

/** Adds each model call's wall time to `into[question]`. */
export function timedLlm(inner: Llm, into: Map<string, number>): Llm {
  return {
    kind: inner.kind,
    model: inner.model,
    countTokens: (r) => inner.countTokens(r),
    async complete(request, options) {
      const t = performance.now();
      try {
        return await inner.complete(request, options);
      } finally {
        const q = questionOf(request);
        into.set(q, (into.get(q) ?? 0) + performance.now() - t);
      }
    },
  };
}

export async function redisReachable(): Promise<boolean> {
  const r = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 500 });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}
