/**
 * Threads on the offline model, through the HTTP API: a follow-up in the same thread_id that points back at
 * the previous answer ("the option you recommend") is answered about the option recommended in that turn.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, startTestApi, type TestUser } from '../support/api';

type Api = Awaited<ReturnType<typeof startTestApi>>;

describe('analyze: a thread follow-up on the offline model', () => {
  let api: Api;
  let user: TestUser;
  let token: string;

  beforeAll(async () => {
    process.env.RATE_LIMIT_ANALYZE_PER_MIN = '0';
    api = await startTestApi({ kind: 'pglite' });
    user = await addUser(api.db);
    token = await api.login(user);
  });

  afterAll(() => api.close());

  const analyze = (body: Record<string, unknown>) =>
    api.call('POST', '/api/v1/decision/analyze', { token, body });

  it('answers "the risks of the option you recommend" about the option recommended in the previous turn', async () => {
    const thread = randomUUID();
    const first = await analyze({ query: 'Should we build or buy our CRM?', thread_id: thread });
    expect(first.status, first.text).toBe(200);
    expect(first.json.model).toBe('offline');
    const chosen = /^Choose ([^:]+):/.exec(first.json.recommendation as string)?.[1];
    expect(chosen, first.json.recommendation as string).toBeDefined();

    const follow = await analyze({
      query: 'What are the risks of the option you recommend?',
      thread_id: thread,
    });
    expect(follow.status, follow.text).toBe(200);
    expect(follow.json).toMatchObject({ thread_id: thread, answered_from: 'agent' });
    expect(follow.json.recommendation).toContain(`On ${chosen} (recommended in the previous turn)`);
    expect(follow.json.rationale).toContain('Should we build or buy our CRM?');
    const risks = follow.json.risks as Array<{ name: string }>;
    expect(risks.length).toBeGreaterThan(0);

    // the same follow-up without the thread has nothing to point at: it is not rewritten
    const alone = await analyze({ query: 'What are the risks of the option you recommend?' });
    expect(alone.status).toBe(200);
    expect(alone.json.recommendation).not.toContain('recommended in the previous turn');
  });
});
