/**
 * Faults on the analyze path over HTTP (issue #12, items 2 and 4): one caller's disconnect never fails another
 * caller sharing the same load (single-flight), and a Claude connection dropped mid-stream — or reset, or
 * cut mid-body — is a 503 with Retry-After (an `error` event with status 503 on the stream), never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '#core/runtime/services';
import { setServices } from '#core/runtime/services';
import { analyzeHarness, type TestApi } from '../support/analyze-harness';
import { addUser, type TestUser } from '../support/api';
import type { FakeAnthropic, FakeReply, RecordedRequest } from '../support/fake-anthropic';
import { postSse } from '../support/sse-client';

const STREAM = '/api/v1/decision/analyze/stream';

/** Resolves when `cond()` holds, checking after each turn of the event loop (the cap only names a hang). */
async function until(cond: () => boolean, what: string, capMs = 20_000): Promise<void> {
  const end = performance.now() + capMs;
  while (performance.now() < end) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

describe('faults on the analyze path over HTTP', () => {
  let api: TestApi;
  let fake: FakeAnthropic;
  let step: (r: RecordedRequest) => FakeReply;
  let a1: TestUser;
  let a2: TestUser;
  let t1: string;
  let t2: string;
  let services: Services;
  const harness = analyzeHarness('llm-faults');

  beforeAll(async () => {
    let analyst: { step(r: RecordedRequest): FakeReply };
    ({ api, fake, analyst } = await harness.start());
    step = (r) => analyst.step(r);
    a1 = await harness.orgUser();
    a2 = await addUser(api.db, a1.orgId); // same org: the same question shares one answer key
    // no SDK retries, so a scripted fault reaches the route as it happened
    services = harness.instance({ llmEnv: { LLM_MAX_RETRIES: '0' } });
    setServices(services);
    t1 = await api.login(a1);
    t2 = await api.login(a2);
  });

  afterAll(() => harness.close());

  it('A1 streams Q and disconnects while A2 of the same org waits on the same load: A2 gets its answer (5/5)', async () => {
    for (let round = 0; round < 5; round++) {
      const q = `Should we open a warehouse in region ${round} next year?`;
      let arrived!: () => void;
      const reachedModel = new Promise<void>((r) => {
        arrived = r;
      });
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      // the first model call of this run waits at the gate: A2 joins the load while it is in flight
      fake.script(async (r) => {
        arrived();
        await gate;
        return step(r);
      });
      const disconnect = new AbortController();
      const first = postSse(`${api.url}${STREAM}`, {
        token: t1,
        body: { query: q },
        signal: disconnect.signal,
      }).catch((e: unknown) => e);
      await reachedModel;
      const second = harness.analyze(t2, { query: q });
      await until(() => services.cache.tiered.inflightWaiters === 2, 'A2 waits on the shared load');
      disconnect.abort();
      await until(() => services.cache.tiered.inflightWaiters === 1, 'A1 detached');
      release();
      const r2 = await second;
      expect(r2.status, r2.text).toBe(200);
      expect(r2.json.recommendation).toBeTruthy();
      await first;
    }
  });

  for (const [label, fault] of [
    ['dropped mid-stream', { kind: 'drop' }],
    ['reset mid-stream (RST)', { kind: 'drop', reset: true }],
  ] as Array<[string, FakeReply]>) {
    it(`a Claude connection ${label} is a 503 with Retry-After on analyze, and a 503 failed event on the stream`, async () => {
      fake.script(fault);
      const r = await harness.analyze(t1, { query: `What are the risks of ${label} pricing?` });
      expect(r.status, r.text).toBe(503);
      expect(r.json.error?.code).toBe('upstream_unavailable');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(r.text).not.toMatch(/terminated|ECONNRESET|socket/i);

      fake.script(fault);
      const s = await postSse(`${api.url}${STREAM}`, {
        token: t1,
        body: { query: `What are the risks of ${label} discounts?` },
      });
      const err = s.events.find((e) => e.event === 'failed');
      expect(err?.data.status).toBe(503);
      expect(err?.data.error.code).toBe('upstream_unavailable');
      expect(s.events.some((e) => e.event === 'analysis')).toBe(false);
    });
  }

  it('nothing of a failed run is cached: the same question afterwards runs the model and succeeds', async () => {
    const q = 'What are the risks of dropped mid-stream pricing?';
    const before = fake.requests.length;
    const r = await harness.analyze(t1, { query: q });
    expect(r.status, r.text).toBe(200);
    expect(fake.requests.length).toBeGreaterThan(before);
  });
});
