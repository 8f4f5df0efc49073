import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlm, loadAgentConfig } from '#core/agent/index';
import type { AnalyzeResponse } from '#core/decisions/types';
import { runAnalysisWithServices, stepsForDepth } from '#core/jobs/analyzer-runner';
import type { AnalysisRunContext, JobDepth } from '#core/jobs/types';
import { loadLlmConfig } from '#core/llm/config';
import { DEMO, seedDemo } from '#core/orgs/seed';
import type { Services } from '#core/runtime/services';
import { analyzeServices, deleteKeys, uniqueKeyPrefix } from '../../support/analyze-services';
import { createTestDb, type TestDb } from '../../support/db';
import { queuedJob } from './harness';

describe('depth: the tool-use turns the agent may take', () => {
  it('quick is one turn, standard is AGENT_MAX_STEPS, deep two more (at most 10)', () => {
    expect(stepsForDepth('quick', 3)).toBe(1);
    expect(stepsForDepth('standard', 3)).toBe(3);
    expect(stepsForDepth('deep', 3)).toBe(5);
    expect(stepsForDepth('deep', 9)).toBe(10);
  });
});

/**
 * A job's `depth` changes the analysis the worker runs (offline model: it asks for the skills a question needs
 * in one turn and, for an expansion, a financial model sized from the company's metrics in a second), and answers of different depths are
 * never served for one another from the answer cache.
 */
describe('a job runs at its depth', () => {
  let t: TestDb;
  let services: Services & { cache: { close(): Promise<void> } };
  const prefix = uniqueKeyPrefix('depth');
  const ctx: AnalysisRunContext = {
    onProgress: async () => {},
    signal: new AbortController().signal,
    attempt: 1,
  };

  beforeAll(async () => {
    t = await createTestDb('pglite');
    await seedDemo(t.db);
    services = analyzeServices({
      db: t.db,
      llm: createLlm(loadLlmConfig({ LLM_PROVIDER: 'offline' } as NodeJS.ProcessEnv)),
      cacheEnv: { CACHE_KEY_PREFIX: prefix },
      semantic: false,
    });
  });
  afterAll(async () => {
    await services?.cache.close();
    await deleteKeys(prefix);
    await t?.dispose();
  });

  const run = async (query: string, depth: JobDepth) => {
    const runAnalysis = runAnalysisWithServices(async () => services, {
      ...loadAgentConfig({} as NodeJS.ProcessEnv),
      maxSteps: 3,
    });
    const job = queuedJob({ task_id: randomUUID(), org_id: DEMO.orgId, user_id: DEMO.userId, query, depth });
    return (await runAnalysis(job, ctx)) as AnalyzeResponse;
  };
  const skillsOf = (r: AnalyzeResponse) => r.skills.map((s) => s.name).sort();

  it('quick answers after one round of skills; standard also runs the second turn', async () => {
    const q = 'Should we expand to new markets?';
    const quick = await run(q, 'quick');
    const standard = await run(q, 'standard');
    expect(quick.answered_from).toBe('agent');
    expect(standard.answered_from).toBe('agent'); // not quick's cached answer
    const second = skillsOf(standard).filter((s) => !skillsOf(quick).includes(s));
    expect(second.length, `standard ${skillsOf(standard)} vs quick ${skillsOf(quick)}`).toBeGreaterThan(0);
    for (const s of skillsOf(quick)) expect(skillsOf(standard)).toContain(s);
  });

  it('a deep job is not answered from a standard run of the same question, but from a deep one', async () => {
    const q = 'Should we invest $2M in a new product line with expected revenue of $800k per year?';
    expect((await run(q, 'standard')).answered_from).toBe('agent');
    expect((await run(q, 'standard')).answered_from).toBe('l1');
    expect((await run(q, 'deep')).answered_from).toBe('agent');
    expect((await run(q, 'deep')).answered_from).toBe('l1');
  });
});
