/**
 * POST /api/v1/decision/analyze/stream over HTTP through the local runtime (response streaming, chunked):
 * event order, the analysis event against the non-streaming route, chunked delivery while Claude is still
 * writing, replay of a cached answer, JSON errors before the stream, and a hung upstream ending in an error event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoMetricRows, insertMetricRows } from '#core/orgs/seed';
import { setServices } from '#core/runtime/services';
import { ANALYST_INTRO, ANALYST_OUTRO } from '../support/analyst-script';
import { analyzeHarness, type TestApi } from '../support/analyze-harness';
import type { TestUser } from '../support/api';
import type { FakeAnthropic } from '../support/fake-anthropic';
import { postSse, type SseEvent } from '../support/sse-client';
import { type SseTapProxy, startSseTapProxy } from '../support/sse-tap-proxy';

const STREAM = '/api/v1/decision/analyze/stream';

/** The analysis without what differs between two runs of the same script (ids, times, cache level). */
function comparable(a: Record<string, unknown>) {
  const { decision_id: _d, latency_ms: _l, created_at: _c, ...rest } = a;
  const skills = (rest.skills as Array<Record<string, unknown>>).map(({ duration_ms: _ms, ...s }) => s);
  return { ...rest, skills };
}

/** The shape of a stream: event names, with the skill name on skill events. */
function sequence(events: SseEvent[]): string[] {
  return events.map((e) => (e.event.startsWith('skill_') ? `${e.event}:${e.data.name}` : e.event));
}

const textOf = (events: SseEvent[]) =>
  events
    .filter((e) => e.event === 'text')
    .map((e) => e.data.delta as string)
    .join('');

describe('the streaming analyze route over HTTP', () => {
  let api: TestApi;
  let fake: FakeAnthropic;
  let tap: SseTapProxy;
  let alice: TestUser;
  let token: string;
  const harness = analyzeHarness('analyze-stream');

  const instance = (url: string, llmEnv: Record<string, string> = {}) =>
    harness.instance({ llmUrl: url, llmEnv });
  const stream = (body: unknown, onEvent?: (e: SseEvent) => void) =>
    postSse(`${api.url}${STREAM}`, { token, body, onEvent });

  beforeAll(async () => {
    // paced output (200 tokens/s), as Claude writes: deltas arrive one by one
    ({ api, fake } = await harness.start({ fake: { tokensPerSecond: 200 }, analyst: { numbered: false } }));
    tap = await startSseTapProxy(fake.url);
    alice = await harness.orgUser();
    setServices(instance(tap.url));
    token = await api.login(alice);
  });

  afterAll(async () => {
    await tap?.close();
    await harness.close();
  });

  it('streams skill events, text deltas, the analysis and done, in order; text arrives while Claude is still writing', async () => {
    const q = 'Should we invest $1M in a new product line?';
    const gate = tap.holdNextAfterFirstText();
    let clientFirstText: number | undefined;
    const res = await stream({ query: q }, (e) => {
      if (e.event === 'text' && clientFirstText === undefined) {
        clientFirstText = e.at;
        gate.release();
      }
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-correlation-id')).toBeTruthy();

    expect(sequence(res.events)).toEqual([
      'started',
      ...Array(ANALYST_INTRO.split(' ').length).fill('text'),
      'skill_started:company_metrics',
      'skill_started:financial_projection',
      // the two skills run concurrently: either may finish first
      ...sequence(res.events.filter((e) => e.event === 'skill_finished')),
      ...Array(ANALYST_OUTRO.split(' ').length).fill('text'),
      'analysis',
      'done',
    ]);
    for (const finished of res.events.filter((e) => e.event === 'skill_finished')) {
      const started = res.events.findIndex(
        (e) => e.event === 'skill_started' && e.data.id === finished.data.id,
      );
      expect(started).toBeGreaterThanOrEqual(0);
      expect(started).toBeLessThan(res.events.indexOf(finished));
      expect(finished.data.ok).toBe(true);
    }
    expect(textOf(res.events)).toBe(ANALYST_INTRO + ANALYST_OUTRO);
    const analysis = res.events.at(-2)!.data;
    expect(analysis).toMatchObject({ query: q, answered_from: 'agent', model: 'claude-sonnet-5-5' });
    expect(res.events.at(-1)!.data).toEqual({
      decision_id: analysis.decision_id,
      latency_ms: analysis.latency_ms,
    });

    // Chunked, not buffered: the tap held the rest of Claude's first message until the client had seen its
    // first token, so the client's first text event must precede the end of that message.
    const held = tap.records.find((r) => r.streamed && r.firstTextAt !== undefined);
    expect(held?.endedAt).toBeDefined();
    expect(clientFirstText).toBeDefined();
    expect(clientFirstText!).toBeLessThan(held!.endedAt!);
    // the persisted decision is the streamed one
    const got = await api.call('GET', `/api/v1/decisions/${analysis.decision_id}`, { token });
    expect(got.json.recommendation).toBe(analysis.recommendation);
  });

  it('the analysis event equals what the non-streaming route returns for the same script', async () => {
    const q = 'Should we open a second warehouse next year?';
    fake.reset(); // the stand-in's prompt-cache accounting starts afresh for each run, so usage is comparable
    const streamed = await stream({ query: q });
    const analysis = streamed.events.find((e) => e.event === 'analysis')!.data;
    expect(analysis.answered_from).toBe('agent');

    // same data (a new data version, so neither cache level answers), fresh prompt cache
    await insertMetricRows(api.db, alice.orgId, demoMetricRows(6));
    fake.reset();
    const plain = await api.call('POST', '/api/v1/decision/analyze', { token, body: { query: q } });
    expect(plain.status).toBe(200);
    expect(plain.json.answered_from).toBe('agent');
    expect(comparable(analysis)).toEqual(comparable(plain.json));
  });

  it('replays a cached answer with the same event sequence as the fresh run', async () => {
    const q = 'Should we raise our prices by 5%?';
    const fresh = await stream({ query: q });
    const seen = fake.requests.length;
    const cached = await stream({ query: q });
    expect(fake.requests.length).toBe(seen);
    const freshAnalysis = fresh.events.find((e) => e.event === 'analysis')!.data;
    const cachedAnalysis = cached.events.find((e) => e.event === 'analysis')!.data;
    expect(freshAnalysis.answered_from).toBe('agent');
    expect(cachedAnalysis.answered_from).toBe('l1');
    expect(sequence(cached.events)).toEqual(sequence(fresh.events));
    expect(textOf(cached.events)).toBe(textOf(fresh.events));
    expect(cachedAnalysis.recommendation).toBe(freshAnalysis.recommendation);
  });

  it('answers bad input and missing auth with JSON errors before any stream', async () => {
    const before = fake.requests.length;
    const short = await stream({ query: 'x' });
    expect(short.status).toBe(400);
    expect(short.headers.get('content-type')).toMatch(/^application\/json/);
    expect(short.json.error.code).toBe('validation_error');
    expect(short.events).toEqual([]);

    const unknown = await stream({ query: 'Should we grow?', extra: 1 });
    expect(unknown.status).toBe(400);

    const malformed = await postSse(`${api.url}${STREAM}`, { token, raw: '{"query":' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBe('malformed_json');

    const anonymous = await postSse(`${api.url}${STREAM}`, { body: { query: 'Should we grow?' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/json/);
    expect(fake.requests.length).toBe(before);
  });

  it('ends with a failed event (503) when Claude hangs, within the configured LLM time-outs', async () => {
    const previous = harness.instances.at(-1)!;
    setServices(instance(fake.url, { LLM_TIMEOUT_MS: '300', LLM_STREAM_IDLE_TIMEOUT_MS: '300' }));
    try {
      fake.script({ kind: 'hang', phase: 'headers' });
      const noHeaders = await stream({ query: 'Should we enter the Brazilian market?' });
      expect(noHeaders.status).toBe(200);
      const e1 = noHeaders.events.at(-1)!;
      expect(e1.event).toBe('failed');
      expect(e1.data).toMatchObject({ status: 503, error: { code: 'upstream_unavailable' } });
      expect(e1.data.error.message).toMatch(/timed out/i); // the SDK's time-out, not the agent deadline
      expect(noHeaders.events.some((e) => e.event === 'analysis' || e.event === 'done')).toBe(false);

      fake.script({ kind: 'hang', phase: 'body' });
      const stalled = await stream({ query: 'Should we enter the Mexican market?' });
      const e2 = stalled.events.at(-1)!;
      expect(e2.event).toBe('failed');
      expect(e2.data).toMatchObject({ status: 503, error: { code: 'upstream_unavailable' } });
      expect(e2.data.error.message).toMatch(/stalled for 300 ms/);
    } finally {
      setServices(previous);
    }
  });
});
