import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlm } from '#core/agent/index';
import { analyzeDecision } from '#core/analysis/analyze';
import { loadLlmConfig } from '#core/llm/config';
import type { Dimensions, MetricsSink } from '#core/observability/metrics';
import { DEMO, seedDemo } from '#core/orgs/seed';
import { CACHE_LEVELS, EMF } from '../../lib/constants';
import { analyzeServices, deleteKeys, uniqueKeyPrefix } from '../support/analyze-services';
import { createTestDb, type TestDb } from '../support/db';

/**
 * The dashboard and alarms (lib/observability-stack.ts) read EMF metrics by name and exact dimension set; a
 * metric emitted with other dimensions is another metric in CloudWatch and the widget stays empty. This runs
 * the analyze path and checks what it emits against that contract.
 */
describe('metrics the analyze path emits match what the dashboard reads', () => {
  let t: TestDb;
  const prefix = uniqueKeyPrefix('metrics');
  const events: Array<{ name: string; dims: Dimensions }> = [];
  const sink: MetricsSink = {
    count: (name, dims = {}) => events.push({ name, dims }),
    timing: (name, _ms, dims = {}) => events.push({ name, dims }),
  };

  beforeAll(async () => {
    t = await createTestDb('pglite'); // pgvector: the semantic level and its vector query run
    await seedDemo(t.db);
    const s = analyzeServices({
      db: t.db,
      llm: createLlm(loadLlmConfig({ LLM_PROVIDER: 'offline' } as NodeJS.ProcessEnv)),
      cacheEnv: { CACHE_KEY_PREFIX: prefix },
      metrics: sink,
    });
    const ask = {
      query: 'Should we invest $2M in a new product line?',
      orgId: DEMO.orgId,
      userId: DEMO.userId,
      threadId: null,
    };
    await analyzeDecision(s, ask); // agent
    await analyzeDecision(s, ask); // l1
    await s.cache.close();
  });
  afterAll(async () => {
    await deleteKeys(prefix);
    await t?.dispose();
  });

  const dimsOf = (name: string) =>
    events.filter((e) => e.name === name).map((e) => Object.keys(e.dims).sort().join(','));

  it.each([
    [EMF.agentTime, ''],
    [EMF.llmLatency, ''],
    [EMF.llmCostUsd, ''],
    [EMF.llmTokens, 'type'],
    [EMF.skillDuration, 'skill'],
    [EMF.vectorQueryTime, ''],
  ])('%s is emitted with dimensions [%s]', (name, dims) => {
    const seen = dimsOf(name);
    expect(seen.length, `${name} was not emitted`).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([dims]));
  });

  it('cache hits and misses carry level and kind, with the levels the dashboard knows', () => {
    const cache = events.filter((e) => e.name === EMF.cacheHit || e.name === EMF.cacheMiss);
    expect(
      cache.some((e) => e.name === EMF.cacheHit && e.dims.level === 'l1' && e.dims.kind === 'answer'),
    ).toBe(true);
    for (const e of cache) {
      expect(Object.keys(e.dims)).toEqual(expect.arrayContaining(['level', 'kind']));
      expect(CACHE_LEVELS as readonly string[]).toContain(e.dims.level);
    }
  });
});
