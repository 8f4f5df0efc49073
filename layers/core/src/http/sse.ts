import { PassThrough } from 'node:stream';

/** A server-sent-events body: `event: <name>` + `data: <json>` frames, written as they happen. */
export interface SseStream {
  stream: PassThrough;
  /** One event; `id` becomes the client's Last-Event-ID, `retry` its reconnection delay (ms). */
  send(event: string, data: unknown, opts?: { id?: string; retry?: number }): void;
  /** A frame without an event name (`data:` only): what the AI SDK's UI message stream uses. */
  data(data: unknown, opts?: { id?: string }): void;
  /** A comment line (`: text`): keeps proxies from closing an idle connection; clients ignore it. */
  comment(text: string): void;
  end(): void;
  /** The client went away (the response stream closed before we ended it). */
  readonly closed: boolean;
  /** When the first frame was written (the clock's value), or undefined before it. */
  readonly firstWriteAt: number | undefined;
}

export interface SseStreamOptions {
  /** A `: heartbeat` comment after this much silence (ms), so proxies keep the connection; 0 or unset: none. */
  heartbeatMs?: number;
  /** For `firstWriteAt` (tests inject one). */
  now?: () => number;
}

export function createSseStream(opts: SseStreamOptions = {}): SseStream {
  const now = opts.now ?? (() => performance.now());
  const stream = new PassThrough();
  let closed = false;
  let ended = false;
  let firstWriteAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const heartbeatMs = opts.heartbeatMs ?? 0;
  const arm = () => {
    if (heartbeatMs <= 0) return;
    clearTimeout(timer);
    timer = setTimeout(() => write(': heartbeat\n\n'), heartbeatMs);
  };
  stream.on('close', () => {
    closed = true;
    clearTimeout(timer);
  });
  const write = (text: string) => {
    if (closed || ended) return;
    firstWriteAt ??= now();
    stream.write(text);
    arm();
  };
  const head = (opts?: { id?: string; retry?: number }) =>
    `${opts?.id ? `id: ${opts.id}\n` : ''}${opts?.retry !== undefined ? `retry: ${Math.round(opts.retry)}\n` : ''}`;
  return {
    stream,
    send(event, data, opts) {
      write(`${head(opts)}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    data(data, opts) {
      write(`${head(opts)}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    },
    comment(text) {
      write(`: ${text.replace(/\n/g, ' ')}\n\n`);
    },
    end() {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      stream.end();
    },
    get closed() {
      return closed;
    },
    get firstWriteAt() {
      return firstWriteAt;
    },
  };
}

export const SSE_HEADERS: Record<string, string> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-store',
  'X-Accel-Buffering': 'no',
};
