import { randomBytes } from 'node:crypto';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqsClient } from '#core/queue/queue';
import { type FakeAnthropic, startFakeAnthropic } from '../support/fake-anthropic';
import { twoTurnAnalysis } from '../support/fake-anthropic-scenarios';
import { postSse } from '../support/sse-client';
import { type HostProcess, startHostProcess, throwAwayDatabase } from './support/host-process';
import { synthOnce } from './support/synth-once';

/**
 * The user flow against `start:lambda`: the synthesized bundles, each instance its own process, behind the API
 * Gateway built from the templates; Claude is the stand-in; the worker takes SQS batches from the mapping.
 */
let host: HostProcess;
let claude: FakeAnthropic;
let dropDb: (() => Promise<void>) | undefined;
let token = '';
const REPORT =
  /REPORT RequestId: (\S+) Duration: ([\d.]+) ms Billed Duration: \d+ ms Memory Size: \d+ MB Max Memory Used: \S+ MB/;

async function json(path: string, init: RequestInit = {}) {
  const res = await fetch(`${host.url}${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.headers as Record<string, string> | undefined),
    },
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected freely by tests
  return { status: res.status, headers: res.headers, body: body as any };
}

beforeAll(async () => {
  const [cdkOut, db, fake] = await Promise.all([
    synthOnce(),
    throwAwayDatabase(),
    startFakeAnthropic({ fallback: twoTurnAnalysis }),
  ]);
  claude = fake;
  dropDb = db?.drop;
  host = await startHostProcess({
    cdkOut,
    args: [
      '--visibility-timeout',
      '2',
      '--env',
      'POWERTOOLS_LOG_LEVEL=WARN',
      '--env',
      `CACHE_KEY_PREFIX=lambda-${randomBytes(4).toString('hex')}:`,
    ],
    env: {
      DATABASE_URL: db?.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      ANTHROPIC_BASE_URL: claude.url,
      ANTHROPIC_API_KEY: undefined,
    },
  });
}, 400_000);

afterAll(async () => {
  await host?.stop();
  await claude?.close();
  await dropDb?.();
});

describe('start:lambda serves the synthesized artefacts', { timeout: 90_000 }, () => {
  it('builds its routes and the queue mapping from the templates', () => {
    expect(host.grep(/routes:/)[0]).toContain('POST /api/v1/decision/analyze/stream (stream)');
    expect(host.summary.mappings).toEqual([
      expect.objectContaining({
        batchSize: expect.any(Number),
        reportFailures: true,
        concurrency: expect.any(Number),
      }),
    ]);
  });

  it('answers every route of the user flow, each function cold on first use and warm after', async () => {
    // anyone: the status and the version only
    const health = await json('/health');
    expect(health.status).toBe(200);
    expect(Object.keys(health.body).sort()).toEqual(['status', 'version']);

    const login = await json('/api/v1/auth/login', {
      method: 'POST',
      body: JSON.stringify({ email: 'demo@acme.test', password: 'demo-password-123' }),
    });
    expect(login.status).toBe(200);
    token = login.body.access_token;

    // the demo user is an admin: the details, configured from the template (the first ping of a cold instance
    // may still be connecting)
    const detailed = await json('/health');
    expect(detailed.body.dependencies.cache.adapter).toBe('redis');

    const analyze = await json('/api/v1/decision/analyze', {
      method: 'POST',
      body: JSON.stringify({
        query: 'Should we invest $2M in a new product line with $800k revenue per year?',
      }),
    });
    expect(analyze.status).toBe(200);
    expect(analyze.body.model).not.toBe('offline');
    expect(claude.requests.length).toBeGreaterThan(0);
    const id = analyze.body.decision_id as string;

    const list = await json('/api/v1/decisions?limit=5');
    expect(list.status).toBe(200);
    expect(list.body.items.map((d: { decision_id: string }) => d.decision_id)).toContain(id);

    const one = await json(`/api/v1/decisions/${id}`);
    expect(one.status).toBe(200);
    expect(one.body.decision_id).toBe(id);

    const search = await json('/api/v1/decisions/search?q=new+product+line&k=5');
    expect(search.status).toBe(200);
    expect(search.body.items.map((d: { decision_id: string }) => d.decision_id)).toContain(id);

    // A second call of a function finds its instance warm: no Init Duration on its REPORT.
    const from = host.lines.length;
    expect((await json('/health')).status).toBe(200);
    const report = await host.waitForLine(/\[ceo-agent-dev-health\] REPORT/, { from });
    expect(report).toMatch(REPORT);
    expect(report).not.toContain('Init Duration');
    const cold = host.grep(/\[ceo-agent-dev-decisions-get\] REPORT/)[0];
    expect(cold).toMatch(/Init Duration: [\d.]+ ms/);

    // API Gateway's own answer for a path the API does not have.
    const missing = await json('/api/v1/nope');
    expect(missing.status).toBe(403);
    expect(missing.body.error.code).toBe('MISSING_AUTHENTICATION_TOKEN');
  });

  it('streams the analysis as server-sent events from the streaming function', async () => {
    const seen: string[] = [];
    const res = await postSse(`${host.url}/api/v1/decision/analyze/stream`, {
      token,
      body: { query: 'Build vs buy for our CRM: which option for a 200-person sales team?' },
      onEvent: (e) => seen.push(e.event),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(seen).toContain('skill_started');
    expect(seen).toContain('analysis');
    expect(seen.at(-1)).toBe('done');
    const analysis = res.events.find((e) => e.event === 'analysis')!.data;
    expect(analysis.model).not.toBe('offline');
    await host.waitForLine(/\[ceo-agent-dev-decision-analyze-stream\] REPORT/);
  });

  it('runs a queued analysis to SUCCEEDED through the worker', async () => {
    const start = await json('/api/v1/analysis/start', {
      method: 'POST',
      headers: { 'Idempotency-Key': `lambda-${randomBytes(4).toString('hex')}` },
      body: JSON.stringify({ query: 'Should we open a second warehouse in 2027?', depth: 'quick' }),
    });
    expect(start.status).toBe(202);
    const taskId = start.body.task_id as string;
    // Each worker batch prints a REPORT; the status function is asked again after each until the job is done.
    let status = await json(`/api/v1/analysis/${taskId}/status`);
    for (let i = 0; i < 50; i++) {
      const from = host.lines.length;
      status = await json(`/api/v1/analysis/${taskId}/status`);
      if (status.body.status === 'SUCCEEDED' || status.body.status === 'FAILED') break;
      await host.waitForLine(/\[ceo-agent-dev-analysis-worker\] REPORT/, { from, timeoutMs: 30_000 });
    }
    expect(status.status).toBe(200);
    expect(status.body.status).toBe('SUCCEEDED');
    expect(status.body.result.recommendation).toEqual(expect.any(String));
  });

  it('moves a poison message to the DLQ after maxReceiveCount receives', async () => {
    const queues = Object.entries(host.summary.queues);
    const main = queues.find(([id]) => /AnalysisQueue/.test(id))![1];
    const dlq = queues.find(([id]) => /Dlq/i.test(id))![1];
    const sqs = createSqsClient({
      region: 'us-east-1',
      endpoint: host.summary.sqsEndpoint,
      requestTimeoutMs: 15_000,
    });
    try {
      const poison = `not a job ${randomBytes(4).toString('hex')}`;
      await sqs.send(new SendMessageCommand({ QueueUrl: main, MessageBody: poison }));
      const deadline = Date.now() + 60_000;
      let found: string | undefined;
      while (!found && Date.now() < deadline) {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: dlq, WaitTimeSeconds: 5, AttributeNames: ['All'] }),
        );
        found = out.Messages?.find((m) => m.Body === poison)?.Body;
      }
      expect(found).toBe(poison);
      // Each receive was a failed batch item reported by the worker.
      expect(host.grep(/\[ceo-agent-dev-analysis-worker\] REPORT/).length).toBeGreaterThanOrEqual(3);
    } finally {
      sqs.destroy();
    }
  });
});
