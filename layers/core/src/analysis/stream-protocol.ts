import * as z from 'zod';
import type { AgentEvent } from '../agent';
import type { AnalyzeResponse } from '../decisions/types';
import type { ErrorBody } from '../http/error-response';
import type { SseStream } from '../http/sse';

/**
 * The two wire formats of `POST /api/v1/decision/analyze/stream`, chosen by `?format=` or the
 * `X-Stream-Format` header:
 *
 * - `sse` (default): named server-sent events — `started`, `skill_started`, `skill_finished`, `text`,
 *   `analysis`, then `done` or `failed`. Every event has an `id:` (`<decision_id>:<n>`); `started` carries the
 *   `retry:` a client should use. Heartbeat comments (`: heartbeat`) while the agent is silent.
 * - `ai-sdk`: the Vercel AI SDK's UI message stream protocol (v1, header `x-vercel-ai-ui-message-stream: v1`):
 *   `data: {"type":…}` frames — `start`, `start-step`, `text-start`/`text-delta`/`text-end`, one dynamic tool
 *   call per skill (`tool-input-available` → `tool-output-available`), `data-analysis` (the analyze answer),
 *   `finish-step`, `finish`, then `data: [DONE]`; an error is `{"type":"error","errorText"}`. `useChat` and
 *   `DefaultChatTransport` consume it as is.
 *
 * A client ends the stream, without reconnecting, on `done` or `failed` (sse) or `finish`/`[DONE]` (ai-sdk).
 * A client that reconnects anyway (EventSource semantics, sending `Last-Event-ID`) after the decision was
 * stored gets `204 No Content`, which tells every EventSource implementation to stop.
 */
export const STREAM_FORMATS = ['sse', 'ai-sdk'] as const;
export type StreamFormat = (typeof STREAM_FORMATS)[number];

/** The stream route's query string: `?format=sse|ai-sdk`. */
export const StreamQuery = z
  .object({ format: z.enum(STREAM_FORMATS).optional().describe('Wire format (default sse)') })
  .strict();

/** The event names of the `sse` format, in the order they can occur (documented in the OpenAPI description). */
export const SSE_EVENT_NAMES = [
  'started',
  'skill_started',
  'skill_finished',
  'text',
  'analysis',
  'done',
  'failed',
] as const;

export const AI_SDK_HEADERS: Record<string, string> = { 'x-vercel-ai-ui-message-stream': 'v1' };

export interface StartedInfo {
  decision_id: string;
  /** The stream replays a stored decision (same Idempotency-Key) instead of running the agent. */
  replayed: boolean;
  retry_ms: number;
  heartbeat_ms: number;
}

export interface StreamWriter {
  started(info: StartedInfo): void;
  event(e: AgentEvent): void;
  analysis(result: AnalyzeResponse): void;
  done(result: AnalyzeResponse): void;
  failed(status: number, body: ErrorBody): void;
  readonly closed: boolean;
}

/** `<decision_id>:<n>`: the Last-Event-ID a reconnecting client sends names the decision it was reading. */
export function eventId(decisionId: string, n: number): string {
  return `${decisionId}:${n}`;
}

/** The decision id inside a Last-Event-ID header, when it is one of ours. */
export function decisionIdOfEventId(lastEventId: string | undefined): string | undefined {
  const m = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):\d+$/i.exec(lastEventId ?? '');
  return m?.[1]?.toLowerCase();
}

export function sseWriter(sse: SseStream, decisionId: string): StreamWriter {
  let n = 0;
  const send = (event: string, data: unknown, retry?: number) =>
    sse.send(event, data, { id: eventId(decisionId, n++), retry });
  return {
    started: (info) => send('started', info, info.retry_ms),
    event: (e) => send(e.type, e),
    analysis: (r) => send('analysis', r),
    done: (r) => send('done', { decision_id: r.decision_id, latency_ms: r.latency_ms }),
    failed: (status, body) => send('failed', { status, ...body }),
    get closed() {
      return sse.closed;
    },
  };
}

export function aiSdkWriter(sse: SseStream, decisionId: string): StreamWriter {
  let n = 0;
  let textId: string | undefined;
  let texts = 0;
  let finished = false;
  const chunk = (c: Record<string, unknown>) => sse.data(c, { id: eventId(decisionId, n++) });
  const endText = () => {
    if (textId) chunk({ type: 'text-end', id: textId });
    textId = undefined;
  };
  const finish = (reason: 'stop' | 'error') => {
    if (finished) return;
    finished = true;
    endText();
    chunk({ type: 'finish-step' });
    chunk({ type: 'finish', finishReason: reason });
    sse.data('[DONE]');
  };
  return {
    started: (info) => {
      chunk({ type: 'start', messageId: info.decision_id, messageMetadata: info });
      chunk({ type: 'start-step' });
    },
    event: (e) => {
      if (e.type === 'text') {
        if (!textId) {
          textId = `text-${++texts}`;
          chunk({ type: 'text-start', id: textId });
        }
        chunk({ type: 'text-delta', id: textId, delta: e.delta });
        return;
      }
      endText();
      if (e.type === 'skill_started') {
        chunk({ type: 'tool-input-available', toolCallId: e.id, toolName: e.name, input: {}, dynamic: true });
      } else if (e.ok) {
        chunk({
          type: 'tool-output-available',
          toolCallId: e.id,
          output: { ok: true, duration_ms: e.duration_ms, figures: e.figures },
          dynamic: true,
        });
      } else {
        chunk({
          type: 'tool-output-error',
          toolCallId: e.id,
          errorText: e.error ?? 'skill failed',
          dynamic: true,
        });
      }
    },
    analysis: (r) => {
      endText();
      chunk({ type: 'data-analysis', id: r.decision_id, data: r });
    },
    done: () => finish('stop'),
    failed: (_status, body) => {
      endText();
      chunk({ type: 'error', errorText: `${body.error.code}: ${body.error.message}` });
      finish('error');
    },
    get closed() {
      return sse.closed;
    },
  };
}
