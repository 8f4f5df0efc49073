/**
 * The streaming route as web apps consume it: `started` at once with the decision id to come and the retry,
 * an id on every event, heartbeat comments while the agent is silent, Idempotency-Key replays (one analysis,
 * one stored decision), the standard `eventsource` client stopping after `done` (204 to its reconnect), and
 * the Vercel AI SDK's own client (`ai`: DefaultChatTransport + readUIMessageStream) reading `?format=ai-sdk`.
 */
import { DefaultChatTransport, readUIMessageStream, type UIMessage } from 'ai';
import { EventSource } from 'eventsource';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetConfigForTests } from '#core/config';
import { setServices } from '#core/runtime/services';
import { analyzeHarness, type TestApi } from '../support/analyze-harness';
import type { TestUser } from '../support/api';
import type { FakeAnthropic } from '../support/fake-anthropic';
import { postSse } from '../support/sse-client';
import { type SseTapProxy, startSseTapProxy } from '../support/sse-tap-proxy';

const STREAM = '/api/v1/decision/analyze/stream';

// Small heartbeat and retry so the test does not wait for the production defaults (15 s / 10 s).
process.env.SSE_HEARTBEAT_MS = '100';
process.env.SSE_RETRY_MS = '200';
resetConfigForTests();

describe('streams a web app can consume', () => {
  let api: TestApi;
  let fake: FakeAnthropic;
  let tap: SseTapProxy;
  let alice: TestUser;
  let token: string;
  const harness = analyzeHarness('stream-clients');

  const countDecisions = async () =>
    Number(
      (
        await api.db.query<{ n: string }>('SELECT count(*)::text AS n FROM decisions WHERE org_id = $1', [
          alice.orgId,
        ])
      ).rows[0]!.n,
    );

  beforeAll(async () => {
    ({ api, fake } = await harness.start({ fake: { tokensPerSecond: 400 }, analyst: { numbered: false } }));
    tap = await startSseTapProxy(fake.url);
    alice = await harness.orgUser();
    setServices(harness.instance({ llmUrl: tap.url }));
    token = await api.login(alice);
  });

  afterAll(async () => {
    await tap?.close();
    await harness.close();
    delete process.env.SSE_HEARTBEAT_MS;
    delete process.env.SSE_RETRY_MS;
    resetConfigForTests();
  });

  it('sends started first (decision id, retry), ids on every event, and heartbeats while the agent is silent', async () => {
    // Claude's first message is held after its first token until the client has seen a heartbeat: the
    // heartbeat must arrive while the agent is silent, or the test times out (no timing race).
    const gate = tap.holdNextAfterFirstText(60_000);
    const res = await postSse(`${api.url}${STREAM}`, {
      token,
      body: { query: 'Should we invest $1M in a new product line?' },
      onComment: (c) => {
        if (c === 'heartbeat') gate.release();
      },
    });
    expect(res.status).toBe(200);
    const [started] = res.events;
    expect(started!.event).toBe('started');
    expect(started!.data).toMatchObject({ replayed: false, retry_ms: 200, heartbeat_ms: 100 });
    const decisionId = started!.data.decision_id as string;
    expect(res.headers.get('x-decision-id')).toBe(decisionId);
    expect(res.comments).toContain('heartbeat');
    res.events.forEach((e, i) => {
      expect(e.id).toBe(`${decisionId}:${i}`);
    });
    const analysis = res.events.find((e) => e.event === 'analysis')!.data;
    expect(analysis.decision_id).toBe(decisionId);
    expect(res.events.at(-1)!.event).toBe('done');
  });

  it('a replayed POST with the same Idempotency-Key streams the stored decision: one analysis, one decision', async () => {
    const before = await countDecisions();
    const calls = fake.requests.length;
    const body = { query: 'Should we open an office in Lisbon?' };
    const headers = { 'idempotency-key': `lisbon-${Date.now()}` };
    const first = await postSse(`${api.url}${STREAM}`, { token, body, headers });
    const llmCalls = fake.requests.length - calls;
    expect(llmCalls).toBeGreaterThan(0);
    const replay = await postSse(`${api.url}${STREAM}`, { token, body, headers });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.events[0]!.data).toMatchObject({ replayed: true });
    const a1 = first.events.find((e) => e.event === 'analysis')!.data;
    const a2 = replay.events.find((e) => e.event === 'analysis')!.data;
    expect(a2.decision_id).toBe(a1.decision_id);
    expect(a2.recommendation).toBe(a1.recommendation);
    expect(replay.events.filter((e) => e.event === 'skill_finished').map((e) => e.data.name)).toEqual(
      a1.skills.map((s: { name: string }) => s.name),
    );
    expect(replay.events.at(-1)!.event).toBe('done');
    expect(fake.requests.length - calls).toBe(llmCalls);
    expect(await countDecisions()).toBe(before + 1);

    const other = await postSse(`${api.url}${STREAM}`, {
      token,
      body: { query: 'Another question?' },
      headers,
    });
    expect(other.status).toBe(409);
    expect(other.json.error.code).toBe('conflict');
  });

  it('the standard eventsource client reads one analysis and stops: its reconnect after done gets 204', async () => {
    const before = await countDecisions();
    const seen: string[] = [];
    const closed = await new Promise<{ code?: number; message?: string }>((resolve, reject) => {
      const es = new EventSource(`${api.url}${STREAM}`, {
        fetch: (input, init) =>
          fetch(input, {
            ...init,
            method: 'POST',
            headers: {
              ...(init?.headers as Record<string, string>),
              authorization: `Bearer ${token}`,
              'content-type': 'application/json',
            },
            body: JSON.stringify({ query: 'Should we hire a second sales team?' }),
          }),
      });
      for (const name of ['started', 'skill_started', 'skill_finished', 'text', 'analysis', 'done']) {
        es.addEventListener(name, () => seen.push(name));
      }
      es.addEventListener('failed', () => reject(new Error('failed event')));
      es.onerror = (e) => {
        // The stream ended (EventSource then reconnects after `retry`); the reconnect must be refused.
        if (e.code === 204) {
          es.close();
          resolve({ code: e.code, message: e.message });
        } else if (e.code !== undefined) {
          es.close();
          reject(new Error(`unexpected ${e.code}: ${e.message}`));
        }
      };
    });
    expect(closed.code).toBe(204);
    expect(seen[0]).toBe('started');
    expect(seen.filter((s) => s === 'done')).toHaveLength(1);
    expect(seen.filter((s) => s === 'analysis')).toHaveLength(1);
    expect(await countDecisions()).toBe(before + 1);
  });

  it('the AI SDK client (ai: DefaultChatTransport + readUIMessageStream) reads ?format=ai-sdk as is', async () => {
    const transport = new DefaultChatTransport<UIMessage>({
      api: `${api.url}${STREAM}?format=ai-sdk`,
      headers: { authorization: `Bearer ${token}` },
      // our route takes {query}; the SDK would send {id, messages, trigger, …}
      prepareSendMessagesRequest: ({ messages }) => ({
        body: {
          query: messages
            .at(-1)!
            .parts.map((p) => (p.type === 'text' ? p.text : ''))
            .join(''),
        },
      }),
    });
    const user: UIMessage = {
      id: 'u1',
      role: 'user',
      parts: [{ type: 'text', text: 'Should we build or buy our CRM?' }],
    };
    const chunks = await transport.sendMessages({
      trigger: 'submit-message',
      chatId: 'chat-1',
      messageId: undefined,
      messages: [user],
      abortSignal: undefined,
    });
    const errors: unknown[] = [];
    let last: UIMessage | undefined;
    for await (const m of readUIMessageStream({ stream: chunks, onError: (e) => errors.push(e) })) last = m;
    expect(errors).toEqual([]);
    expect(last).toBeDefined();
    expect(last!.role).toBe('assistant');
    const text = last!.parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text);
    expect(text.join('').length).toBeGreaterThan(0);
    const tools = last!.parts.filter((p) => p.type === 'dynamic-tool') as Array<{
      toolName: string;
      state: string;
    }>;
    expect(tools.length).toBeGreaterThan(0);
    expect(tools.every((t) => t.state === 'output-available')).toBe(true);
    expect(tools.map((t) => t.toolName)).toContain('company_metrics');
    const data = last!.parts.find((p) => p.type === 'data-analysis') as { data: Record<string, unknown> };
    expect(data.data.recommendation).toBeTruthy();
    expect(last!.id).toBe(data.data.decision_id);
  });

  it("the README's browser recipe (fetch + eventsource-parser, closing on done) reads one analysis", async () => {
    const before = await countDecisions();
    const res = await fetch(`${api.url}${STREAM}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': crypto.randomUUID(),
      },
      body: JSON.stringify({ query: 'What are the risks of raising prices by 10%?' }),
    });
    expect(res.ok).toBe(true);
    const reader = res
      .body!.pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream())
      .getReader();
    const seen: string[] = [];
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      seen.push(value.event ?? 'message');
      const data = JSON.parse(value.data);
      if (value.event === 'text') text += data.delta;
      else if (value.event === 'done' || value.event === 'failed') {
        await reader.cancel();
        break;
      }
    }
    expect(seen[0]).toBe('started');
    expect(seen.at(-1)).toBe('done');
    expect(seen).toContain('analysis');
    expect(text.length).toBeGreaterThan(0);
    expect(await countDecisions()).toBe(before + 1);
  });

  it('ai-sdk mode is chosen by header too, and ends with [DONE]', async () => {
    const res = await fetch(`${api.url}${STREAM}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-stream-format': 'ai-sdk',
      },
      body: JSON.stringify({ query: 'Should we build or buy our CRM?' }),
    });
    expect(res.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    const body = await res.text();
    expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(body).toContain('"type":"finish"');
  });
});
