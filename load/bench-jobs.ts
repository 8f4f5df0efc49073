/**
 * Long-analysis queue benchmark (local): `npx tsx load/bench-jobs.ts`.
 *
 * dynalite + fauxqs in-process, the real AWS SDK clients, JobService.start → SQS → the local poller → the
 * worker handler (Powertools BatchProcessor, conditional DynamoDB transitions). Measures:
 *   1. queue latency start → RUNNING (the worker's claim) for jobs started one at a time on an idle queue;
 *   2. a burst of 200 starts (20 in flight): start call latency, start → RUNNING, and jobs/second completed.
 * The analysis is a small real computation (SHA-256 over the query, 200 rounds). Bounded; stops by itself.
 */
import { createHash, randomUUID } from 'node:crypto';
import { startSqsPoller } from '../bin/local/aws/sqs-poller';
import { startLocalAws } from '../bin/local/aws/stand-ins';
import { DynamoIdempotencyStore } from '../layers/core/src/jobs/idempotency-store';
import { JobService } from '../layers/core/src/jobs/job-service';
import { createDynamoDocumentClient, DynamoJobStore } from '../layers/core/src/jobs/job-store';
import type { RunAnalysis } from '../layers/core/src/jobs/types';
import { createJobWorkerHandler } from '../layers/core/src/jobs/worker';
import { createSqsClient, SqsQueue } from '../layers/core/src/queue/queue';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 50);
const BURST = Number(process.env.BENCH_BURST ?? 200);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 20);
const POLLERS = Number(process.env.BENCH_POLLERS ?? 4);
const DEADLINE_MS = 120_000;

function pct(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function main() {
  const aws = await startLocalAws({
    visibilityTimeoutSeconds: 30,
    tableName: `bench-${randomUUID().slice(0, 8)}`,
  });
  const doc = createDynamoDocumentClient({ region: aws.region, endpoint: aws.dynamoEndpoint });
  const sqs = createSqsClient({ region: aws.region, endpoint: aws.sqsEndpoint, requestTimeoutMs: 10_000 });
  const jobs = new DynamoJobStore(doc, aws.tableName);
  const service = new JobService({
    jobs,
    idempotency: new DynamoIdempotencyStore(doc, aws.tableName),
    queue: new SqsQueue(sqs, aws.queueUrl),
    // the stand-in analysis records no decision: the bench reads statuses, not results
    decisions: async () => undefined,
    ttlSeconds: 3_600,
    idempotencyTtlSeconds: 3_600,
  });

  const startedAt = new Map<string, number>();
  const runningAt = new Map<string, number>();
  const finishedAt = new Map<string, number>();
  const pendingStart = new Map<string, number>();

  const runAnalysis: RunAnalysis = async (job, ctx) => {
    runningAt.set(job.task_id, performance.now());
    await ctx.onProgress(50);
    let h = job.query;
    for (let i = 0; i < 200; i++) h = createHash('sha256').update(h).digest('hex');
    // the real analysis records a decision and the job points to it; this stand-in names one
    return { decision_id: h.slice(0, 36) };
  };
  const worker = createJobWorkerHandler({
    jobs,
    runAnalysis,
    maxReceiveCount: 3,
    leaseMs: 20_000,
  });
  const handler: typeof worker = async (event, context) => {
    const out = await worker(event, context);
    const now = performance.now();
    for (const r of event.Records) finishedAt.set(JSON.parse(r.body).task_id, now);
    return out;
  };
  const poller = startSqsPoller({
    client: sqs,
    queueUrl: aws.queueUrl,
    queueArn: aws.queueArn,
    region: aws.region,
    handler,
    batchSize: 10,
    waitTimeSeconds: 5,
    concurrency: POLLERS,
  });

  const caller = { orgId: randomUUID(), userId: randomUUID() };
  const startOne = async (query: string): Promise<{ taskId: string; callMs: number }> => {
    const t0 = performance.now();
    const { task_id } = await service.start(caller, { query, depth: 'standard' });
    startedAt.set(task_id, t0);
    pendingStart.set(task_id, t0);
    return { taskId: task_id, callMs: performance.now() - t0 };
  };
  const waitAll = async (ids: string[]) => {
    const deadline = Date.now() + DEADLINE_MS;
    while (ids.some((id) => !finishedAt.has(id))) {
      if (Date.now() > deadline) throw new Error('benchmark deadline exceeded');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const queueLatency = (ids: string[]) =>
    ids.map((id) => (runningAt.get(id) as number) - (startedAt.get(id) as number));

  try {
    // warm-up: connections, table, queue
    const warm = await Promise.all(Array.from({ length: 10 }, (_, i) => startOne(`warm-up ${i}`)));
    await waitAll(warm.map((w) => w.taskId));

    // 1. one at a time on an idle queue
    const seqIds: string[] = [];
    const seqCall: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const { taskId, callMs } = await startOne(`sequential question ${i}`);
      seqIds.push(taskId);
      seqCall.push(callMs);
      await waitAll([taskId]);
    }
    const seqLat = queueLatency(seqIds);

    // 2. a burst
    const burstIds: string[] = [];
    const burstCall: number[] = [];
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < BURST) {
          const i = next++;
          const { taskId, callMs } = await startOne(`burst question ${i}`);
          burstIds.push(taskId);
          burstCall.push(callMs);
        }
      }),
    );
    const startsDoneMs = performance.now() - t0;
    await waitAll(burstIds);
    const lastFinish = Math.max(...burstIds.map((id) => finishedAt.get(id) as number));
    const burstLat = queueLatency(burstIds);
    const succeeded = (await Promise.all(burstIds.map((id) => jobs.get(id)))).filter(
      (j) => j?.status === 'SUCCEEDED',
    ).length;

    console.log(
      `\nLong-analysis queue benchmark (dynalite + fauxqs in-process, ${POLLERS} poll loops, batch 10)`,
    );
    console.log(`Node ${process.version}, ${new Date().toISOString()}\n`);
    console.log(`1. ${SEQUENTIAL} jobs, one at a time on an idle queue`);
    console.log(
      `   start call (DynamoDB put + SQS send): P50 ${fmt(pct(seqCall, 50))}  P95 ${fmt(pct(seqCall, 95))}`,
    );
    console.log(
      `   queue latency start → RUNNING:        P50 ${fmt(pct(seqLat, 50))}  P95 ${fmt(pct(seqLat, 95))}`,
    );
    console.log(`\n2. burst of ${BURST} starts, ${IN_FLIGHT} in flight`);
    console.log(
      `   start call:                           P50 ${fmt(pct(burstCall, 50))}  P95 ${fmt(pct(burstCall, 95))}`,
    );
    console.log(`   starts/second:                        ${(BURST / (startsDoneMs / 1000)).toFixed(0)}`);
    console.log(
      `   queue latency start → RUNNING:        P50 ${fmt(pct(burstLat, 50))}  P95 ${fmt(pct(burstLat, 95))}`,
    );
    console.log(
      `   jobs/second (first start → last SUCCEEDED): ${(BURST / ((lastFinish - t0) / 1000)).toFixed(0)}  (${succeeded}/${BURST} SUCCEEDED, ${((lastFinish - t0) / 1000).toFixed(2)} s)`,
    );
    console.log(
      `   poller: ${poller.stats.batches} batches, ${(poller.stats.messages / Math.max(1, poller.stats.batches)).toFixed(1)} messages/batch\n`,
    );
  } finally {
    await poller.stop();
    doc.destroy();
    sqs.destroy();
    await aws.stop();
  }
}

await main();
