import { PassThrough } from 'node:stream';

/** A server-sent-events body: `event: <name>` + `data: <json>` frames, written as they happen. */
export interface SseStream {
  stream: PassThrough;
  send(event: string, data: unknown): void;
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
  return {
    stream,
    send(event, data) {
      if (closed || ended) return;
      stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
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
