import type { Writable } from 'node:stream';
import type { Context } from 'aws-lambda';
import type { Log } from '../observability/logger';
import { withRequestMetrics } from '../observability/metrics';
import { type ApiError, apiError } from './error-response';
import { recordRequest } from './middleware/request-context';
import { createSseStream, type SseStream } from './sse';
import type { ApiEvent, ApiResponse, StreamOutcome, StreamReport } from './types';

/**
 * The lifecycle of a streamed response (server-sent events), in one place:
 *
 * 1. the route opens an `EventStream`: the SSE body with heartbeats, an abort signal that fires when the client
 *    goes away, and `fail(err)`, which maps the error once (`apiError`, the same mapping as the JSON error
 *    responses) to the object its `failed` event carries, logs it and keeps it as the stream's outcome;
 * 2. the route returns `events.response(headers)`: middy writes the prelude (status 200 and headers) and pipes
 *    the body; the chain's `after` only notes the prelude (time-to-headers is not the end of this request);
 * 3. `streamingLifecycle` (around the whole middy chain) waits for the body to end and the producer to settle,
 *    then records the request ONCE with its real outcome — the failure's status, 200, or 499 when the client
 *    went away — its total duration and its time-to-first-byte, and writes the request's metrics buffer
 *    (one EMF line set) at that moment.
 */

/** The status the access log and a stream's outcome give a request whose client went away (nginx's). */
export const CLIENT_CLOSED = 499;

export interface EventStreamOptions {
  /** A `: heartbeat` comment after this much silence. */
  heartbeatMs: number;
  log: Log;
  correlationId: string;
  now?: () => number;
}

/** The producer's side of one streamed response; see the module comment. */
export class EventStream implements StreamReport {
  readonly sse: SseStream;
  readonly settled: Promise<void>;
  private readonly abort = new AbortController();
  private failure: ApiError | undefined;
  private ended = false;
  private clientGone = false;
  private settle: () => void = () => {};

  constructor(private readonly opts: EventStreamOptions) {
    this.sse = createSseStream({ heartbeatMs: opts.heartbeatMs, now: opts.now });
    this.settled = new Promise<void>((resolve) => {
      this.settle = resolve;
    });
    this.sse.stream.on('close', () => {
      if (this.ended) return;
      this.clientGone = true;
      this.abort.abort(new Error('client disconnected'));
    });
  }

  /** Aborted when the client goes away before the end: the work for it can stop. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /**
   * The error as the API shows it (status, `{error:{code,message,details?}}`), logged once: an expected one
   * (4xx, a client that left) at info, anything else as an error. The first failure is the stream's outcome.
   */
  fail(err: unknown): ApiError {
    const e = apiError(err, this.opts.correlationId);
    if (e.expected) {
      this.opts.log.info('stream ended with an error', { status: e.status, code: e.body.error.code });
    } else this.opts.log.error('stream failed', { status: e.status, error: err as Error });
    this.failure ??= e;
    return e;
  }

  /** Ends the body (idempotent); the request is recorded once the client has it. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.sse.end();
    this.settle();
  }

  outcome(): StreamOutcome {
    if (this.failure) return { status: this.failure.status, code: this.failure.body.error.code };
    if (this.clientGone) return { status: CLIENT_CLOSED, code: 'client_closed_request' };
    return { status: 200 };
  }

  get firstByteAt(): number | undefined {
    return this.sse.firstWriteAt;
  }

  /** What the route returns: status 200 with these headers, this stream as the body, this as its report. */
  response(headers: Record<string, string>): ApiResponse {
    return { status: 200, headers, stream: this.sse.stream, report: this };
  }
}

/** A response-streaming Lambda handler (what `awslambda.streamifyResponse` wraps). */
export type StreamingLambda = (event: ApiEvent, responseStream: Writable, context: Context) => Promise<void>;

/**
 * Around a streaming route's whole middy chain: a request-scoped metrics buffer, and once the body has ended
 * (or the client went away) and the producer settled, the request record (`recordRequest`) with the real
 * outcome, then one flush. A client that went away is not an error of the function (nothing is rethrown).
 */
export function streamingLifecycle(inner: StreamingLambda, now = () => performance.now()): StreamingLambda {
  return (event, responseStream, context) =>
    withRequestMetrics(async () => {
      let thrown: { err: unknown } | undefined;
      try {
        await inner(event, responseStream, context);
      } catch (err) {
        thrown = { err };
      }
      const ctx = event.ctx;
      if (ctx?.stream) await ctx.stream.settled;
      const gone = responseStream.destroyed && thrown !== undefined;
      const outcome: StreamOutcome = ctx?.stream
        ? ctx.stream.outcome()
        : gone
          ? { status: CLIENT_CLOSED }
          : { status: thrown ? 500 : (ctx?.prelude?.status ?? 200) };
      if (ctx) {
        const end = now();
        const firstByteAt = ctx.stream?.firstByteAt ?? ctx.prelude?.at ?? end;
        recordRequest(ctx, {
          status: outcome.status,
          latencyMs: end - ctx.startedAt,
          firstByteMs: firstByteAt - ctx.startedAt,
        });
      }
      if (thrown && !gone && outcome.status !== CLIENT_CLOSED) throw thrown.err;
    });
}
