import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { definedHeaders } from './events';

/**
 * The `awslambda` global that the Lambda Node.js runtime provides to response-streaming functions
 * (`streamifyResponse`, `HttpResponseStream.from`). Defined before a streaming handler is imported, it lets
 * the local runtime invoke such handlers and stream their output to the HTTP client as it is written.
 */
export interface StreamPrelude {
  statusCode?: number;
  headers?: Record<string, string>;
}

export interface LocalResponseStream extends Writable {
  setContentType(type: string): void;
  prelude?: StreamPrelude;
}

const STREAMING = Symbol.for('ceo-agent.streaming-handler');

export function installAwsLambdaGlobal(): void {
  // Other libraries (the AWS SDK's invoke store) may already have put an `awslambda` object there: extend it.
  const g = globalThis as unknown as { awslambda?: Record<string, unknown> };
  const target = g.awslambda ?? {};
  g.awslambda = target;
  if (typeof target.streamifyResponse === 'function') return;
  target.streamifyResponse = <F extends (...args: never[]) => unknown>(fn: F): F => {
    Object.defineProperty(fn, STREAMING, { value: true });
    return fn;
  };
  target.HttpResponseStream = {
    from(stream: LocalResponseStream, prelude: StreamPrelude): LocalResponseStream {
      stream.prelude = prelude;
      return stream;
    },
  };
}

export function isStreamingHandler(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[STREAMING] === true;
}

/** A writable that maps the prelude to `writeHead` on first write and forwards every chunk at once. */
export function responseStreamFor(
  res: ServerResponse,
  extraHeaders: Record<string, string>,
): LocalResponseStream {
  let contentType = 'application/octet-stream';
  const writeHead = (stream: LocalResponseStream) => {
    if (res.headersSent) return;
    const p = stream.prelude ?? {};
    res.writeHead(p.statusCode ?? 200, {
      'Content-Type': contentType,
      ...extraHeaders,
      ...definedHeaders(p.headers),
    });
    res.flushHeaders();
  };
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      writeHead(stream);
      res.write(chunk, cb);
    },
    final(cb) {
      writeHead(stream);
      res.end(cb);
    },
  }) as LocalResponseStream;
  stream.setContentType = (t: string) => {
    contentType = t;
  };
  // The client went away before the end: like Lambda, the response stream is destroyed, so the handler's
  // pipeline ends and its body stream closes (the streaming route aborts its work for that caller).
  res.on('close', () => {
    if (!res.writableFinished && !stream.destroyed) stream.destroy(new Error('client disconnected'));
  });
  return stream;
}
