import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, startTestApi } from '../support/api';
import { closedPort } from '../support/ports';

describe('queued analyses when DynamoDB and SQS are unreachable', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let token: string;
  beforeAll(async () => {
    const port = await closedPort();
    // read by the job routes when they are first imported (on the first request)
    process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${port}`;
    process.env.AWS_ENDPOINT_URL_SQS = `http://127.0.0.1:${port}`;
    process.env.ANALYSIS_QUEUE_URL = `http://sqs.us-east-1.127.0.0.1:${port}/000000000000/analysis`;
    process.env.JOBS_SQS_MAX_ATTEMPTS = '1';
    api = await startTestApi();
    token = await api.login(await addUser(api.db));
  });
  afterAll(() => api?.close());

  it('start answers 503 upstream_unavailable with Retry-After, not 500', async () => {
    const r = await api.call('POST', '/api/v1/analysis/start', {
      token,
      body: { query: 'Should we expand to Spain?' },
    });
    expect(r.status, r.text).toBe(503);
    expect(r.json.error?.code).toBe('upstream_unavailable');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('status answers 503 too, and bad input is still a 400 first', async () => {
    const r = await api.call('GET', `/api/v1/analysis/${randomUUID()}/status`, { token });
    expect(r.status, r.text).toBe(503);
    const bad = await api.call('POST', '/api/v1/analysis/start', { token, body: {} });
    expect(bad.status).toBe(400);
  });
});
