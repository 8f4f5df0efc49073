import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SqsBatchHandler, startSqsPoller } from '../../../bin/local/aws/sqs-poller';
import { type JobsHarness, startJobsHarness } from './harness';

/** The local stand-in for Lambda's SQS event source mapping, against fauxqs. */
describe('SQS poller', () => {
  let h: JobsHarness;
  beforeAll(async () => {
    h = await startJobsHarness();
  });
  afterAll(() => h?.close());

  async function sendThree(tag: string): Promise<void> {
    await h.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: h.aws.queueUrl,
        Entries: ['a', 'b', 'c'].map((x) => ({
          Id: x,
          MessageBody: `${tag}-${x}`,
          MessageAttributes: { kind: { DataType: 'String', StringValue: `kind-${x}` } },
        })),
      }),
    );
  }

  /** Runs a poller until `until` holds for the events seen, then stops it. */
  async function poll(handler: SqsBatchHandler, until: (events: SQSEvent[]) => boolean) {
    const events: SQSEvent[] = [];
    const poller = startSqsPoller({
      client: h.sqs,
      queueUrl: h.aws.queueUrl,
      queueArn: h.aws.queueArn,
      region: h.aws.region,
      waitTimeSeconds: 20,
      handler: async (event, ctx) => {
        events.push(event);
        return handler(event, ctx);
      },
    });
    const deadline = Date.now() + 10_000;
    while (!until(events) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await poller.stop(); // also ends a 20 s long poll in progress
    return { events, stats: poller.stats };
  }

  const bodies = (events: SQSEvent[]) => events.flatMap((e) => e.Records.map((r) => r.body)).sort();

  it('delivers real SQSEvent records and deletes what the handler did not report as failed', async () => {
    await sendThree('partial');
    const { events, stats } = await poll(
      async (event): Promise<SQSBatchResponse> => ({
        batchItemFailures: event.Records.filter((r) => r.body.endsWith('-b')).map((r) => ({
          itemIdentifier: r.messageId,
        })),
      }),
      (ev) =>
        ev.some((e) =>
          e.Records.some((r) => r.body === 'partial-b' && r.attributes.ApproximateReceiveCount === '2'),
        ),
    );
    const first = events[0]?.Records ?? [];
    expect(first.map((r) => r.body).sort()).toEqual(['partial-a', 'partial-b', 'partial-c']);
    for (const r of first) {
      expect(r).toMatchObject({
        eventSource: 'aws:sqs',
        eventSourceARN: h.aws.queueArn,
        awsRegion: h.aws.region,
        attributes: { ApproximateReceiveCount: '1', SenderId: expect.any(String) },
      });
      expect(r.messageAttributes.kind?.stringValue).toBe(`kind-${r.body.slice(-1)}`);
      expect(r.receiptHandle).not.toBe('');
    }
    // only b came back; a and c were deleted after the first batch
    expect(bodies(events.slice(1))).toEqual(['partial-b']);
    expect(stats.deleted).toBeGreaterThanOrEqual(2);
    // b was not deleted: it is back on the queue, or in the DLQ when the long poll that stop() aborted
    // counted one more receive
    let left: string[] = [];
    for (let i = 0; i < 5 && left.length === 0; i++) {
      const again = [...(await h.drain(h.aws.queueUrl, 1)), ...(await h.drain(h.aws.dlqUrl, 0))];
      left = again.map((m) => m.Body ?? '');
    }
    expect(left).toEqual(['partial-b']);
  });

  it('keeps every message of a batch whose handler throws', async () => {
    await sendThree('throws');
    let calls = 0;
    const { events, stats } = await poll(
      async () => {
        calls++;
        if (calls === 1) throw new Error('handler crashed');
        return { batchItemFailures: [] };
      },
      (ev) => bodies(ev).length >= 6,
    );
    expect(bodies(events)).toEqual(['throws-a', 'throws-a', 'throws-b', 'throws-b', 'throws-c', 'throws-c']);
    expect(stats.handlerErrors).toBe(1);
    expect(
      events.slice(1).flatMap((e) => e.Records.map((r) => r.attributes.ApproximateReceiveCount)),
    ).toEqual(['2', '2', '2']);
  });

  it('keeps the whole batch when the response names an id that is not in it, as Lambda does', async () => {
    await sendThree('bogus');
    let calls = 0;
    const { events } = await poll(
      async () => {
        calls++;
        return { batchItemFailures: calls === 1 ? [{ itemIdentifier: 'not-in-batch' }] : [] };
      },
      (ev) => bodies(ev).length >= 6,
    );
    expect(bodies(events.slice(1))).toEqual(['bogus-a', 'bogus-b', 'bogus-c']);
  });
});
