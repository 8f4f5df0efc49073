import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { Queryable } from '#core/db/types';
import { createBuiltinRegistry } from '#core/skills/builtin/index';
import { createSkillExecutor } from '#core/skills/executor';
import { createSkillRegistry } from '#core/skills/registry';
import { defineSkill, type SkillCall, type SkillResult } from '#core/skills/types';

const noDb: Queryable = {
  query: async () => {
    throw new Error('no database in this test');
  },
  exec: async () => {},
};
const ctx = { orgId: 'org-1', userId: 'user-1', db: noDb, now: new Date('2026-01-01T00:00:00Z') };

const waitSkill = defineSkill({
  name: 'wait',
  version: '1.0.0',
  dependsOn: 'pure',
  description: 'waits',
  input: z.object({ ms: z.number().int().min(0).max(10_000) }),
  run: async ({ ms }, { signal }) => {
    await sleep(ms, undefined, { signal });
    return { waited: ms };
  },
  figures: (o: { waited: number }) => ({ waited: o.waited }),
});

const stubbornSkill = defineSkill({
  name: 'stubborn',
  version: '1.0.0',
  dependsOn: 'pure',
  description: 'ignores its abort signal',
  input: z.object({}),
  run: () => new Promise<never>(() => {}),
  figures: () => ({}),
});

const throwingSkill = defineSkill({
  name: 'explode',
  version: '2.1.0',
  dependsOn: 'pure',
  description: 'throws',
  input: z.object({}),
  run: async () => {
    throw new Error('boom');
  },
  figures: () => ({}),
});

const registry = createSkillRegistry([waitSkill, stubbornSkill, throwingSkill]);

describe('skill registry', () => {
  it('turns zod input schemas into Claude tool definitions', () => {
    const tools = createBuiltinRegistry().toolDefinitions();
    expect(tools.map((t) => t.name)).toEqual([
      'financial_projection',
      'scenario_simulation',
      'decision_matrix',
      'risk_assessment',
      'company_metrics',
      'past_decisions',
    ]);
    for (const t of tools) {
      expect(t.input_schema.type).toBe('object');
      expect(t.input_schema).not.toHaveProperty('$schema');
      expect(t.description).toMatch(/\(v\d+\.\d+\.\d+\)$/);
    }
    const risk = tools.find((t) => t.name === 'risk_assessment')!;
    expect(risk.input_schema).toMatchObject({
      required: ['risks'],
      properties: {
        risks: { type: 'array', items: { properties: { likelihood: { minimum: 1, maximum: 5 } } } },
      },
    });
  });

  it('refuses duplicate and malformed names', () => {
    expect(() => createSkillRegistry([waitSkill, waitSkill])).toThrow(/Duplicate/);
    expect(() => createSkillRegistry([{ ...waitSkill, name: 'Bad Name' }])).toThrow(/Invalid/);
  });
});

describe('skill executor', () => {
  it('runs independent calls concurrently', async () => {
    const executor = createSkillExecutor({ registry, timeoutMs: 5_000 });
    const results = await executor.execute(
      [
        { id: 'a', name: 'wait', input: { ms: 60 } },
        { id: 'b', name: 'wait', input: { ms: 60 } },
      ],
      ctx,
    );
    const [a, b] = results as [SkillResult, SkillResult];
    expect(a.ok && b.ok).toBe(true);
    // overlap: each started before the other finished
    expect(a.startedAt).toBeLessThan(b.finishedAt);
    expect(b.startedAt).toBeLessThan(a.finishedAt);
    expect(a.figures).toEqual({ waited: 60 });
  });

  it('isolates bad input, thrown errors, unknown skills and timeouts into their own results', async () => {
    const metrics: Array<[string, boolean]> = [];
    const started: string[] = [];
    const finished: string[] = [];
    const executor = createSkillExecutor({
      registry,
      timeoutMs: 300,
      onSkillResult: (name, ok, ms) => {
        expect(ms).toBeGreaterThanOrEqual(0);
        metrics.push([name, ok]);
      },
    });
    const calls: SkillCall[] = [
      { id: '1', name: 'wait', input: { ms: 'soon' } },
      { id: '2', name: 'explode', input: {} },
      { id: '3', name: 'nope', input: {} },
      { id: '4', name: 'wait', input: { ms: 5_000 } },
      { id: '5', name: 'stubborn', input: {} },
      { id: '6', name: 'wait', input: { ms: 1 } },
    ];
    const results = await executor.execute(calls, ctx, {
      onStart: (c) => started.push(c.id),
      onFinish: (r) => finished.push(r.id),
    });
    expect(results.map((r) => [r.id, r.ok])).toEqual([
      ['1', false],
      ['2', false],
      ['3', false],
      ['4', false],
      ['5', false],
      ['6', true],
    ]);
    expect(results[0]?.error).toMatch(/^invalid input: ms: /);
    expect(results[1]?.error).toBe('boom');
    expect(results[1]?.version).toBe('2.1.0');
    expect(results[2]?.error).toBe('unknown skill "nope"');
    expect(results[3]?.error).toBe('timed out after 300 ms');
    expect(results[4]?.error).toBe('timed out after 300 ms');
    expect(started).toEqual(['1', '2', '3', '4', '5', '6']);
    expect([...finished].sort()).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(metrics).toHaveLength(6);
    expect(metrics.filter(([, ok]) => ok)).toEqual([['wait', true]]);
  });

  it('reports a cancelled request as cancelled, not as a timeout', async () => {
    const executor = createSkillExecutor({ registry, timeoutMs: 5_000 });
    const controller = new AbortController();
    const pending = executor.executeOne(
      { id: 'x', name: 'wait', input: { ms: 5_000 } },
      {
        ...ctx,
        signal: controller.signal,
      },
    );
    controller.abort();
    const result = await pending;
    expect(result.ok).toBe(false);
    expect(result.error).toBe('cancelled');
  });

  it('gives the calls of a batch one listener on the request signal, removed when the batch ends', async () => {
    const seen: number[] = [];
    const probe = defineSkill({
      name: 'probe',
      version: '1.0.0',
      dependsOn: 'pure',
      description: 'counts the listeners on the request signal',
      input: z.object({}),
      run: async () => {
        seen.push(getEventListeners(controller.signal, 'abort').length);
        return {};
      },
      figures: () => ({}),
    });
    const controller = new AbortController();
    const executor = createSkillExecutor({ registry: createSkillRegistry([probe]), timeoutMs: 5_000 });
    const calls = ['a', 'b', 'c', 'd'].map((id) => ({ id, name: 'probe', input: {} }));
    const results = await executor.execute(calls, { ...ctx, signal: controller.signal });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(seen).toEqual([1, 1, 1, 1]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await executor.executeOne(calls[0]!, { ...ctx, signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('cancels every call of a batch when the request is cancelled, and starts none after it', async () => {
    const controller = new AbortController();
    const executor = createSkillExecutor({ registry, timeoutMs: 5_000 });
    const pending = executor.execute(
      [
        { id: 'a', name: 'wait', input: { ms: 5_000 } },
        { id: 'b', name: 'stubborn', input: {} },
      ],
      { ...ctx, signal: controller.signal },
    );
    controller.abort();
    expect((await pending).map((r) => [r.id, r.ok, r.error])).toEqual([
      ['a', false, 'cancelled'],
      ['b', false, 'cancelled'],
    ]);
    let ran = false;
    const late = await createSkillExecutor({
      registry: createSkillRegistry([
        {
          ...throwingSkill,
          run: async () => {
            ran = true;
            return {};
          },
        },
      ]),
      timeoutMs: 5_000,
    }).executeOne({ id: 'c', name: 'explode', input: {} }, { ...ctx, signal: controller.signal });
    expect(late.error).toBe('cancelled');
    expect(ran).toBe(false);
  });

  it('survives hooks that throw', async () => {
    const executor = createSkillExecutor({
      registry,
      timeoutMs: 1_000,
      onSkillResult: () => {
        throw new Error('metrics down');
      },
    });
    const result = await executor.executeOne({ id: 'x', name: 'wait', input: { ms: 0 } }, ctx, {
      onStart: () => {
        throw new Error('stream closed');
      },
    });
    expect(result.ok).toBe(true);
  });

  it('runs skills through wrapRun (e.g. a skill-result cache) with the validated input', async () => {
    const store = new Map<string, unknown>();
    let runs = 0;
    const executor = createSkillExecutor({
      registry,
      timeoutMs: 1_000,
      wrapRun: async (skill, input, _ctx, run) => {
        const key = `${skill.name}@${skill.version}:${JSON.stringify(input)}`;
        if (store.has(key)) return store.get(key);
        runs++;
        const output = await run();
        store.set(key, output);
        return output;
      },
    });
    const call = { id: 'x', name: 'wait', input: { ms: 1 } };
    const first = await executor.executeOne(call, ctx);
    const second = await executor.executeOne({ ...call, id: 'y' }, ctx);
    expect(runs).toBe(1);
    expect(second.output).toEqual(first.output);
    expect(second.figures).toEqual({ waited: 1 });
    const bad = await executor.executeOne({ id: 'z', name: 'wait', input: {} }, ctx);
    expect(bad.ok).toBe(false);
    expect(runs).toBe(1);
  });
});
