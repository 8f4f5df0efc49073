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
}

export function createSseStream(): SseStream {
  const stream = new PassThrough();
  let closed = false;
  let ended = false;
  stream.on('close', () => {
    closed = true;
  });
  const write = (text: string) => {
    if (closed || ended) return;
    stream.write(text);
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
      stream.end();
    },
    get closed() {
      return closed;
    },
  };
}

export const SSE_HEADERS: Record<string, string> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-store',
  'X-Accel-Buffering': 'no',
};
