import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDecision } from '#core/decisions/store';
import { runBatchReplayWithServices } from '#core/jobs/analyzer-runner';
import { createJobWorkerHandler } from '#core/jobs/worker';
import { createAnthropicBatchClient } from '#core/llm/batch';
import { loadLlmConfig } from '#core/llm/config';
import { costUsd } from '#core/llm/pricing';
import { DEMO, seedDemo } from '#core/orgs/seed';
import { createSqsSender } from '#core/queue/sqs-send';
import type { SqsPoller } from '../../../bin/local/aws/sqs-poller';
import { startSqsPoller } from '../../../bin/local/aws/sqs-poller';
import { analyzeServices, deleteKeys, FAKE_API_KEY, uniqueKeyPrefix } from '../../support/analyze-services';
import { createTestDb, type TestDb } from '../../support/db';
import { type FakeAnthropic, startFakeAnthropic } from '../../support/fake-anthropic';
import { twoTurnAnalysis } from '../../support/fake-anthropic-scenarios';
import { type JobsHarness, MAX_RECEIVE_COUNT, recordingLogger, startJobsHarness } from './harness';

/**
 * `"mode": "batch"`: a bulk start becomes ONE group message; the worker submits each model turn of every job
 * as one Message Batch to the Claude stand-in, leaves (a delayed message re-checks the batch), replays the
 * agent with the answers, and stores each decision with its cost at 50% of the list price.
 */
describe('batch mode through the Message Batches API', () => {
  let h: JobsHarness;
  let t: TestDb;
  let fake: FakeAnthropic;
  let poller: SqsPoller | undefined;
  const prefix = uniqueKeyPrefix('batch');
  const log = recordingLogger();

  beforeAll(async () => {
    fake = await startFakeAnthropic({
      apiKey: FAKE_API_KEY,
      fallback: twoTurnAnalysis,
      batchChecksBeforeEnd: 1,
    });
    h = await startJobsHarness({ visibilityTimeoutSeconds: 30 });
    t = await createTestDb('pglite');
    await seedDemo(t.db);
    const llm = loadLlmConfig({
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: FAKE_API_KEY,
      ANTHROPIC_MODEL: 'claude-sonnet-5-5',
      LLM_TIMEOUT_MS: '5000',
      LLM_MAX_RETRIES: '0',
    } as NodeJS.ProcessEnv);
    // no interactive model: any direct Messages call would fail the test
    const services = analyzeServices({
      db: t.db,
      llm: {
        kind: 'anthropic',
        model: llm.model,
        complete: () => Promise.reject(new Error('interactive call')),
        countTokens: async () => 0,
      },
      cacheEnv: { CACHE_KEY_PREFIX: prefix },
    });
    const handler = createJobWorkerHandler({
      jobs: h.jobs,
      runAnalysis: () => Promise.reject(new Error('not an interactive job')),
      maxReceiveCount: MAX_RECEIVE_COUNT,
      leaseMs: 10_000,
      logger: log.logger,
      batch: {
        // the worker's own sender (one signed SendMessage call), against the SQS stand-in
        queue: createSqsSender({
          queueUrl: h.aws.queueUrl,
          region: h.aws.region,
          endpoint: h.aws.sqsEndpoint,
        }),
        batches: createAnthropicBatchClient(llm),
        runReplay: runBatchReplayWithServices(async () => services, llm),
        pollDelaySeconds: 1,
        maxPolls: 30,
        maxRequestRetries: 1,
        leaseMs: 60_000,
      },
    });
    poller = startSqsPoller({
      client: h.sqs,
      queueUrl: h.aws.queueUrl,
      queueArn: h.aws.queueArn,
      region: h.aws.region,
      handler,
      waitTimeSeconds: 1,
      concurrency: 1,
      invocationTimeoutMs: 20_000,
    });
  }, 60_000);

  afterAll(async () => {
    await poller?.stop();
    await h?.close();
    await fake?.close();
    await t?.dispose();
    await deleteKeys(prefix);
  });

  it('completes a bulk job in batch mode, one batch per turn, cost at half the list price', async () => {
    const caller = { orgId: DEMO.orgId, userId: DEMO.userId };
    const queries = [
      'Should we invest $2M in a new product line?',
      'Should we open a second warehouse in 2027?',
    ];
    const { results } = (await h.service.startRequest(caller, {
      kind: 'bulk',
      mode: 'batch',
      items: queries.map((query) => ({ query, depth: 'deep' as const })),
    })) as { results: { task_id: string }[] };
    expect(results).toHaveLength(2);

    const done = await Promise.all(
      results.map((r) =>
        h.waitForJob(r.task_id, (j) => j.status === 'SUCCEEDED' || j.status === 'FAILED', 45_000),
      ),
    );
    for (const j of done) expect(j.status, JSON.stringify(j.error)).toBe('SUCCEEDED');
    expect(done.every((j) => j.mode === 'batch')).toBe(true);

    // every model turn went through batches: 2 turns × 2 jobs, in 2 batches; no interactive /v1/messages
    const batchCalls = fake.requests.filter((r) => r.method === 'BATCH');
    expect(batchCalls).toHaveLength(4);
    expect(new Set(batchCalls.map((r) => r.path.split('#')[0])).size).toBe(2);
    expect(fake.requests.some((r) => r.method === 'POST' && r.path === '/v1/messages')).toBe(false);
    expect(
      fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/messages/batches'),
    ).toHaveLength(2);

    for (const j of done) {
      // batch mode stores like interactive jobs: the job points to its decision, no copy of the result
      expect(j).not.toHaveProperty('result_json');
      const result = await getDecision(t.db, { orgId: DEMO.orgId, decisionId: j.decision_id! });
      if (!result) throw new Error(`job ${j.task_id} points to no decision of its org`);
      expect(result.decision_id).toBe(j.decision_id);
      expect(result.answered_from).toBe('agent');
      const full = costUsd('claude-sonnet-5-5', result.usage);
      expect(full).toBeGreaterThan(0);
      expect(result.usage.cost_usd).toBeCloseTo(full / 2, 5);
      // the decision is persisted with the same cost
      const row = await t.db.query<{ cost_usd: number }>(
        'SELECT cost_usd FROM decisions WHERE decision_id = $1',
        [result.decision_id],
      );
      expect(Number(row.rows[0]?.cost_usd)).toBeCloseTo(result.usage.cost_usd, 6);
      console.log(
        `[batch] ${j.query.slice(0, 40)}…: ${result.usage.input_tokens + result.usage.cache_read_input_tokens + result.usage.cache_creation_input_tokens} in / ${result.usage.output_tokens} out tokens → $${result.usage.cost_usd.toFixed(6)} (batch) vs $${full.toFixed(6)} (interactive)`,
      );
    }
    // the worker left while Claude worked: at least one delayed re-check happened
    expect(log.entries.some((e) => e.message === 'Batch still in progress')).toBe(true);
  }, 60_000);
});
