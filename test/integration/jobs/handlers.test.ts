import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { APIGatewayProxyResult, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '#core/auth/jwt';
import { getConfig } from '#core/config';
import { getDecision } from '#core/decisions/store';
import { resetJobsConfigForTests } from '#core/jobs/config';
import { resetJobsRuntime } from '#core/jobs/runtime';
import { createSqsClient } from '#core/queue/queue';
import { setDb } from '#core/runtime/db';
import { type SqsPoller, startSqsPoller } from '../../../bin/local/aws/sqs-poller';
import { type LocalAws, startLocalAws } from '../../../bin/local/aws/stand-ins';
import { compileRoutes, lambdaContext, toProxyEvent } from '../../../bin/local/events';
import { ROUTES, type RouteSpec } from '../../../functions/routes';
import { createTestDb, type TestDb } from '../../support/db';
import { makeTenant } from '../../support/fixtures';

/** The job routes of functions/routes.ts (the worker is not an HTTP route). */
const JOB_ROUTES: RouteSpec[] = ROUTES.filter((r) => r.id === 'analysis-start' || r.id === 'analysis-status');

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;

/**
 * The three Lambda handlers as deployed: API Gateway proxy events through the middy chain (JWT, JSON body,
 * zod validation, error mapping), the worker fed by the local poller, dynalite + fauxqs + a real database.
 */
describe('analysis handlers', () => {
  let aws: LocalAws;
  let t: TestDb;
  let poller: SqsPoller;
  let sqs: ReturnType<typeof createSqsClient>;
  let handlers: Record<string, Handler>;
  let token: string;
  let otherOrgToken: string;
  let myOrgId: string;
  const routes = compileRoutes(JOB_ROUTES);
  const savedEnv = { ...process.env };

  async function call(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) {
    const url = new URL(`http://local${path}`);
    const matched = routes.match(method, url.pathname);
    if (!matched || !('route' in matched)) throw new Error(`no route for ${method} ${path}`);
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const body = Buffer.from(opts.body === undefined ? '' : JSON.stringify(opts.body));
    const event = toProxyEvent({ method, url, headers, body, matched, sourceIp: '127.0.0.1' });
    const handler = handlers[matched.route.id] as Handler;
    const res = await handler(event, lambdaContext(matched.route, event.requestContext.requestId));
    return {
      status: res.statusCode,
      headers: res.headers ?? {},
      json: JSON.parse(res.body || 'null') as Record<string, unknown> & {
        error?: { code: string; message: string; details?: unknown };
      },
    };
  }

  function useJobsEnv(overrides: Record<string, string> = {}) {
    Object.assign(process.env, aws.env, {
      JOBS_LEASE_SECONDS: '4',
      JOBS_SQS_MAX_ATTEMPTS: '1',
      ...overrides,
    });
    resetJobsConfigForTests();
    resetJobsRuntime();
  }

  beforeAll(async () => {
    [aws, t] = await Promise.all([
      startLocalAws({
        visibilityTimeoutSeconds: 5,
        maxReceiveCount: 3,
        tableName: `jobs-${randomUUID().slice(0, 8)}`,
      }),
      createTestDb(process.env.DATABASE_URL ? 'pg' : 'pglite'),
    ]);
    setDb(t.db);
    useJobsEnv();
    const [start, status, worker] = await Promise.all([
      import('../../../functions/analysis-start/handler'),
      import('../../../functions/analysis-status/handler'),
      import('../../../functions/analysis-worker/handler'),
    ]);
    handlers = {
      'analysis-start': start.handler as Handler,
      'analysis-status': status.handler as Handler,
    };
    sqs = createSqsClient({ region: aws.region, endpoint: aws.sqsEndpoint });
    poller = startSqsPoller({
      client: sqs,
      queueUrl: aws.queueUrl,
      queueArn: aws.queueArn,
      region: aws.region,
      waitTimeSeconds: 1,
      handler: (event: SQSEvent, ctx) => worker.handler(event, ctx),
    });

    const c = getConfig();
    const jwt = { secret: c.jwtSecret, issuer: c.JWT_ISSUER, audience: c.JWT_AUDIENCE, ttlSeconds: 600 };
    const mine = await makeTenant(t.db, 'handlers');
    myOrgId = mine.orgId;
    const theirs = await makeTenant(t.db, 'others');
    token = (await issueToken({ ...mine, email: 'me@example.test', role: 'member' }, jwt)).token;
    otherOrgToken = (await issueToken({ ...theirs, email: 'them@example.test', role: 'member' }, jwt)).token;
  });

  afterAll(async () => {
    await poller?.stop();
    sqs?.destroy();
    resetJobsRuntime();
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
    resetJobsConfigForTests();
    setDb(undefined);
    await aws?.stop();
    await t?.dispose();
  });

  async function statusUntilDone(taskId: string, who = token) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await call('GET', `/api/v1/analysis/${taskId}/status`, { token: who });
      if (r.status !== 200 || ['SUCCEEDED', 'FAILED'].includes(r.json.status as string)) return r;
      if (Date.now() > deadline) throw new Error(`task ${taskId} still ${String(r.json.status)}`);
      await new Promise((res) => setTimeout(res, 25));
    }
  }

  it('starts an analysis (202), the worker runs it, and the status shows the result', async () => {
    const started = await call('POST', '/api/v1/analysis/start', {
      token,
      body: { query: 'Should we open a second warehouse?', depth: 'deep' },
    });
    expect(started.status).toBe(202);
    expect(started.json).toEqual({ task_id: expect.any(String), status: 'QUEUED' });
    const taskId = started.json.task_id as string;
    expect(started.headers.Location).toBe(`/api/v1/analysis/${taskId}/status`);

    const done = await statusUntilDone(taskId);
    expect(done.status).toBe(200);
    expect(done.headers['Cache-Control']).toBe('no-store');
    expect(done.json).toMatchObject({
      task_id: taskId,
      status: 'SUCCEEDED',
      progress: 100,
      attempts: 1,
      depth: 'deep',
      error: null,
      result: { query: 'Should we open a second warehouse?', recommendation: expect.any(String) },
    });
    // the result is the decision the worker recorded, read from the history (org-scoped), not a copy
    const result = done.json.result as { decision_id: string };
    expect(await getDecision(t.db, { orgId: myOrgId, decisionId: result.decision_id })).toEqual(result);
    expect(done.json.started_at).toEqual(expect.any(String));
    expect(done.json.finished_at).toEqual(expect.any(String));
  });

  it('answers the same task for a repeated Idempotency-Key and 409 for the key with another body', async () => {
    const key = `idem-${randomUUID()}`;
    const body = { query: 'Cut the marketing budget by 15%?' };
    const a = await call('POST', '/api/v1/analysis/start', {
      token,
      body,
      headers: { 'Idempotency-Key': key },
    });
    const b = await call('POST', '/api/v1/analysis/start', {
      token,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.json.task_id).toBe(a.json.task_id);
    expect(b.headers['Idempotent-Replayed']).toBe('true');

    const c = await call('POST', '/api/v1/analysis/start', {
      token,
      body: { query: 'Cut the marketing budget by 25%?' },
      headers: { 'Idempotency-Key': key },
    });
    expect(c.status).toBe(409);
    expect(c.json.error?.code).toBe('conflict');
  });

  it('starts a bulk request with per-item results', async () => {
    const r = await call('POST', '/api/v1/analysis/start', {
      token,
      body: { queries: ['Expand to Canada?', { query: 'Expand to Mexico?', depth: 'quick' }] },
    });
    expect(r.status).toBe(202);
    const results = r.json.results as Array<{ index: number; task_id: string; status: string }>;
    expect(results.map((x) => [x.index, x.status])).toEqual([
      [0, 'QUEUED'],
      [1, 'QUEUED'],
    ]);
    for (const x of results) expect((await statusUntilDone(x.task_id)).json.status).toBe('SUCCEEDED');
  });

  it('rejects bad input with a clear 4xx', async () => {
    const start = (body: unknown, headers?: Record<string, string>) =>
      call('POST', '/api/v1/analysis/start', { token, body, headers });

    const missing = await start({ depth: 'deep' });
    expect(missing.status).toBe(400);
    expect(missing.json.error?.message).toContain('exactly one of query or queries');

    const max = getConfig().MAX_QUERY_CHARS;
    const oversized = await start({ query: 'x'.repeat(max + 1) });
    expect(oversized.status).toBe(400);
    expect(oversized.json.error?.message).toContain(`at most ${max} characters`);

    const tooMany = await start({ queries: Array.from({ length: 11 }, (_, i) => `Question ${i}?`) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error?.message).toContain('at most 10');

    const badKey = await start({ query: 'Fine question?' }, { 'Idempotency-Key': 'has spaces in it' });
    expect(badKey.status).toBe(400);
    expect(badKey.json.error?.message).toContain('Idempotency-Key');

    const noAuth = await call('POST', '/api/v1/analysis/start', { body: { query: 'Who am I?' } });
    expect(noAuth.status).toBe(401);

    const malformed = await call('GET', '/api/v1/analysis/not-a-uuid/status', { token });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error?.message).toContain('task_id must be a UUID');

    const unknown = await call('GET', `/api/v1/analysis/${randomUUID()}/status`, { token });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error?.code).toBe('not_found');
  });

  it("hides another org's task behind a 404", async () => {
    const r = await call('POST', '/api/v1/analysis/start', { token, body: { query: 'Private question?' } });
    const taskId = r.json.task_id as string;
    const other = await call('GET', `/api/v1/analysis/${taskId}/status`, { token: otherOrgToken });
    expect(other.status).toBe(404);
    expect((await call('GET', `/api/v1/analysis/${taskId}/status`, { token })).status).toBe(200);
  });

  it('answers 503 when SQS is down after the job write, and the keyed retry completes the same task', async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
    const port = (dead.address() as { port: number }).port;
    await new Promise<void>((r) => dead.close(() => r()));

    const key = `idem-${randomUUID()}`;
    const body = { query: 'Acquire our competitor?' };
    useJobsEnv({ AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${port}` });
    let failed: Awaited<ReturnType<typeof call>>;
    try {
      failed = await call('POST', '/api/v1/analysis/start', {
        token,
        body,
        headers: { 'Idempotency-Key': key },
      });
    } finally {
      useJobsEnv();
    }
    expect(failed.status).toBe(503);
    expect(failed.json.error?.code).toBe('upstream_unavailable');
    expect(failed.headers['Retry-After']).toBeDefined();

    const retried = await call('POST', '/api/v1/analysis/start', {
      token,
      body,
      headers: { 'Idempotency-Key': key },
    });
    expect(retried.status).toBe(202);
    const taskId = retried.json.task_id as string;
    const done = await statusUntilDone(taskId);
    expect(done.json).toMatchObject({ status: 'SUCCEEDED', attempts: 1, error: null });
  });
});
