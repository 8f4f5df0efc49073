import { Writable } from 'node:stream';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { UpstreamUnavailableError, ValidationError } from '#core/errors';
import { httpHandler } from '#core/http/handler';
import { EventStream } from '#core/http/stream-lifecycle';
import { logger } from '#core/observability/logger';
import { emitMetric, MetricUnit, setMetricsWriter } from '#core/observability/metrics';
import { lambdaContext } from '../../../bin/local/events';
import { installAwsLambdaGlobal } from '../../../bin/local/streaming';

/**
 * The streaming route's request lifecycle (http/stream-lifecycle.ts): the request's metric and access log are
 * written once, when the stream ends, with its real outcome — not at time-to-headers with status 200.
 */
installAwsLambdaGlobal();

const route = {
  id: 'stream-t',
  method: 'POST',
  path: '/s',
  entry: 'x',
  memoryMb: 128,
  timeoutSeconds: 5,
  throttle: 1,
  auth: false,
  needs: { db: false, cache: false, llm: false, embeddings: false, jwt: false },
} as const;

/** What the test's route does after the `started` event: the test drives it. */
interface Script {
  run(events: EventStream): Promise<void>;
}
let script: Script;

const handler = httpHandler<{ q: string }>(
  { route: 'stream-t', auth: false, body: z.object({ q: z.string().min(2) }).strict(), streaming: true },
  async (req) => {
    const events = new EventStream({ heartbeatMs: 0, log: req.log, correlationId: req.correlationId });
    events.sse.send('started', { q: req.body.q });
    void script
      .run(events)
      .catch((err) => {
        const e = events.fail(err);
        events.sse.send('failed', { status: e.status, ...e.body });
      })
      .finally(() => events.end());
    return events.response({ 'Content-Type': 'text/event-stream' });
  },
) as unknown as (event: unknown, stream: Writable, context: unknown) => Promise<void>;

/** A response stream as the Lambda runtime hands it: the prelude, then the body, collected. */
function responseSink() {
  const chunks: string[] = [];
  let finished = false;
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
    final(cb) {
      finished = true;
      cb();
    },
  }) as Writable & { prelude?: { statusCode?: number }; setContentType(t: string): void };
  stream.setContentType = () => {};
  return {
    stream,
    get body() {
      return chunks.join('');
    },
    get finished() {
      return finished;
    },
  };
}

const event = (body: string) =>
  ({
    httpMethod: 'POST',
    path: '/s',
    headers: { 'content-type': 'application/json' },
    body,
    isBase64Encoded: false,
    requestContext: { requestId: 'r1' },
  }) as unknown as APIGatewayProxyEvent;

interface Recorded {
  /** RequestLatency values in the EMF lines written */
  latencies: number[];
  /** every metric name in the EMF lines written */
  names: string[];
  /** the access log lines (`request`) */
  access: Array<{ status: number; latency_ms: number; ttfb_ms?: number }>;
  /** was the body finished when the first EMF line was written? */
  bodyDoneAtFlush: boolean[];
}

function record(sink: ReturnType<typeof responseSink>): Recorded {
  const rec: Recorded = { latencies: [], names: [], access: [], bodyDoneAtFlush: [] };
  setMetricsWriter((line) => {
    const doc = JSON.parse(line) as Record<string, unknown> & {
      _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
    };
    rec.bodyDoneAtFlush.push(sink.finished);
    for (const d of doc._aws.CloudWatchMetrics)
      for (const m of d.Metrics) {
        rec.names.push(m.Name);
        if (m.Name === 'RequestLatency') rec.latencies.push(doc.RequestLatency as number);
      }
  });
  vi.spyOn(logger, 'info').mockImplementation((message: unknown, ...rest: unknown[]) => {
    if (message === 'request') rec.access.push(rest[0] as Recorded['access'][number]);
  });
  vi.spyOn(logger, 'error').mockImplementation(() => {});
  return rec;
}

describe('a streamed request is recorded once, when its stream ends, with its real outcome', () => {
  const disabled = process.env.POWERTOOLS_METRICS_DISABLED;
  beforeAll(() => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  });
  afterAll(() => {
    process.env.POWERTOOLS_METRICS_DISABLED = disabled;
  });
  afterEach(() => {
    setMetricsWriter(undefined);
    vi.restoreAllMocks();
  });

  it('a success: 200, a duration that covers the body, metrics written once after the last byte', async () => {
    const sink = responseSink();
    const rec = record(sink);
    let held = 0;
    script = {
      async run(events) {
        const from = performance.now();
        // the body takes a while: several events across turns of the event loop
        for (let i = 0; i < 5; i++) {
          await new Promise<void>((r) => setImmediate(r));
          events.sse.send('text', { i });
        }
        emitMetric('WorkDuringStream', MetricUnit.Count, 1);
        events.sse.send('done', {});
        held = performance.now() - from;
      },
    };
    await handler(event('{"q":"hello"}'), sink.stream, lambdaContext(route, 'r1'));
    expect(sink.stream.prelude?.statusCode).toBe(200);
    expect(sink.body).toContain('event: done');
    expect(rec.access).toHaveLength(1);
    expect(rec.access[0]!.status).toBe(200);
    expect(rec.access[0]!.latency_ms).toBeGreaterThanOrEqual(Math.floor(held * 10) / 10);
    expect(rec.access[0]!.ttfb_ms).toBeLessThanOrEqual(rec.access[0]!.latency_ms);
    expect(rec.latencies).toHaveLength(1);
    // the work done while streaming is in the request's one flush, written after the body ended
    expect(rec.names).toEqual(
      expect.arrayContaining(['RequestLatency', 'TimeToFirstByte', 'WorkDuringStream']),
    );
    expect(rec.bodyDoneAtFlush.every(Boolean)).toBe(true);
  });

  it('a stream that fails after its headers: the failure status (503), not 200', async () => {
    const sink = responseSink();
    const rec = record(sink);
    script = {
      async run() {
        await new Promise<void>((r) => setImmediate(r));
        throw new UpstreamUnavailableError('llm', 'The model is unavailable; retry shortly', 5);
      },
    };
    await handler(event('{"q":"hello"}'), sink.stream, lambdaContext(route, 'r1'));
    expect(sink.stream.prelude?.statusCode).toBe(200); // the headers went out before the failure
    expect(sink.body).toContain('event: failed');
    expect(sink.body).toContain('"status":503');
    expect(sink.body).toContain('"code":"upstream_unavailable"');
    expect(rec.access).toEqual([expect.objectContaining({ status: 503 })]);
    expect(rec.latencies).toHaveLength(1);
  });

  it('maps an error the same way as the JSON error responses (one mapping)', async () => {
    const sink = responseSink();
    record(sink);
    script = {
      async run() {
        throw new ValidationError('Bad thing', [{ path: 'x' }]);
      },
    };
    await handler(event('{"q":"hello"}'), sink.stream, lambdaContext(route, 'r1'));
    const failed = /event: failed\ndata: (.*)\n/.exec(sink.body)?.[1];
    expect(JSON.parse(failed ?? '{}')).toEqual({
      status: 400,
      error: { code: 'validation_error', message: 'Bad thing', details: [{ path: 'x' }] },
    });
  });

  it('a client that goes away mid-stream: 499, once, and the handler does not fail', async () => {
    const sink = responseSink();
    const rec = record(sink);
    let aborted = false;
    script = {
      run(events) {
        // the client leaves once the first event is out; the work stops on the abort signal
        setImmediate(() => sink.stream.destroy(new Error('client disconnected')));
        return new Promise<void>((_resolve, reject) => {
          events.signal.addEventListener('abort', () => {
            aborted = true;
            reject(events.signal.reason);
          });
        });
      },
    };
    await handler(event('{"q":"hello"}'), sink.stream, lambdaContext(route, 'r1'));
    expect(aborted).toBe(true);
    expect(rec.access).toEqual([expect.objectContaining({ status: 499 })]);
    expect(rec.latencies).toHaveLength(1);
  });

  it('an error before the stream (bad input) is a JSON 400, recorded once with that status', async () => {
    const sink = responseSink();
    const rec = record(sink);
    await handler(event('{"q":"x"}'), sink.stream, lambdaContext(route, 'r1'));
    expect(sink.stream.prelude?.statusCode).toBe(400);
    expect(JSON.parse(sink.body).error.code).toBe('validation_error');
    expect(rec.access).toEqual([expect.objectContaining({ status: 400 })]);
    expect(rec.latencies).toHaveLength(1);
  });
});
