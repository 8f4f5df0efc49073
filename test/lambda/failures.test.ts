import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAnthropic, type FakeReply, startFakeAnthropic } from '../support/fake-anthropic';
import { twoTurnAnalysis } from '../support/fake-anthropic-scenarios';
import { closedPort } from '../support/ports';
import { gone, type HostProcess, startHostProcess, throwAwayDatabase } from './support/host-process';
import { synthOnce } from './support/synth-once';

/**
 * start:lambda when things go wrong: Redis unreachable, a function over its timeout, a function whose init
 * fails, and the shutdown that must leave nothing behind.
 */
let host: HostProcess;
let claude: FakeAnthropic;
let dropDb: (() => Promise<void>) | undefined;
let token = '';
const SLOW = 'SLOW-QUESTION';

async function call(path: string, init: RequestInit = {}) {
  const res = await fetch(`${host.url}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected freely by tests
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body, contentType: res.headers.get('content-type') };
}

beforeAll(async () => {
  const [cdkOut, db, fake, port] = await Promise.all([
    synthOnce(),
    throwAwayDatabase(),
    // A question marked SLOW makes the Claude stand-in take far longer than the function may run.
    startFakeAnthropic({
      fallback: (req) =>
        JSON.stringify(req.body).includes(SLOW)
          ? ({ ...twoTurnAnalysis(req), delayMs: 15_000 } as FakeReply)
          : twoTurnAnalysis(req),
    }),
    closedPort(),
  ]);
  claude = fake;
  dropDb = db?.drop;
  host = await startHostProcess({
    cdkOut,
    args: [
      '--timeout',
      'decision-analyze=3',
      '--env',
      'decisions-get:DB_POOL_MAX=not-a-number',
      '--env',
      'POWERTOOLS_LOG_LEVEL=WARN',
    ],
    env: {
      DATABASE_URL: db?.url,
      REDIS_URL: `redis://127.0.0.1:${port}`,
      ANTHROPIC_BASE_URL: claude.url,
      ANTHROPIC_API_KEY: undefined,
    },
  });
  const login = await call('/api/v1/auth/login', {
    method: 'POST',
    body: JSON.stringify({ email: 'demo@acme.test', password: 'demo-password-123' }),
  });
  expect(login.status).toBe(200);
  token = login.body.access_token;
}, 400_000);

afterAll(async () => {
  await host?.stop();
  await claude?.close();
  await dropDb?.();
});

describe('start:lambda failure modes', { timeout: 90_000 }, () => {
  it('keeps answering with Redis down (health degraded, analyze served)', async () => {
    const health = await call('/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('degraded');
    expect(health.body.dependencies.cache.status).toBe('down');
    const analyze = await call('/api/v1/decision/analyze', {
      method: 'POST',
      body: JSON.stringify({ query: 'Should we expand to new markets this year?' }),
    });
    expect(analyze.status).toBe(200);
    expect(analyze.body.decision_id).toEqual(expect.any(String));
  });

  it('ends an instance that exceeds its timeout: 504 JSON, REPORT Status: timeout, then a fresh instance', async () => {
    const from = host.lines.length;
    const slow = await call('/api/v1/decision/analyze', {
      method: 'POST',
      body: JSON.stringify({ query: `Should we hire ten engineers? ${SLOW}` }),
    });
    expect(slow.status).toBe(504);
    expect(slow.contentType).toMatch(/application\/json/);
    expect(slow.body.error.code).toBe('INTEGRATION_TIMEOUT');
    const report = await host.waitForLine(/\[ceo-agent-dev-decision-analyze\] REPORT .*Status: timeout/, {
      from,
    });
    expect(report).toMatch(/Duration: 3\d{3}\.\d\d ms/);
    expect(host.grep(/Task timed out after 3\.00 seconds/).length).toBe(1);

    const next = host.lines.length;
    const again = await call('/api/v1/decision/analyze', {
      method: 'POST',
      body: JSON.stringify({ query: 'Should we raise prices by 10% next quarter?' }),
    });
    expect(again.status).toBe(200);
    await host.waitForLine(/\[ceo-agent-dev-decision-analyze\] INIT_START/, { from: next });
    const fresh = await host.waitForLine(/\[ceo-agent-dev-decision-analyze\] REPORT/, { from: next });
    expect(fresh).toMatch(/Init Duration: [\d.]+ ms/);
  });

  it('answers a clear 5xx JSON when a function fails to initialise, and logs the function and the error', async () => {
    const from = host.lines.length;
    const res = await call('/api/v1/decisions/00000000-0000-4000-8000-000000000999');
    expect(res.status).toBe(502);
    expect(res.contentType).toMatch(/application\/json/);
    expect(res.body.error.message).toContain('ceo-agent-dev-decisions-get failed to initialise');
    await host.waitForLine(/\[ceo-agent-dev-decisions-get\] init failed: .*Invalid configuration/, { from });
    // The function's own log carries the whole error, down to the variable.
    await host.waitForLine(/\[ceo-agent-dev-decisions-get\] Init error: .*DB_POOL_MAX/, { from });
  });

  it('stops every instance, stand-in and temp folder on SIGTERM', async () => {
    const pids = host.grep(/INIT_START .* Pid: \d+/).map((l) => Number(/Pid: (\d+)/.exec(l)![1]));
    expect(pids.length).toBeGreaterThan(3);
    expect(existsSync(host.summary.workDir)).toBe(true);
    expect(await host.stop()).toBe(0);
    expect(pids.filter((p) => !gone(p))).toEqual([]);
    expect(existsSync(host.summary.workDir)).toBe(false);
    await expect(fetch(`${host.url}/health`)).rejects.toThrow();
  });
});
