/** A server-sent-events client for the streaming route: reads the body incrementally, timestamps each event. */
export interface SseEvent {
  event: string;
  /** The `id:` line, when the frame had one */
  id?: string;
  // biome-ignore lint/suspicious/noExplicitAny: event payloads are inspected freely by tests
  data: any;
  /** performance.now() when the event's last byte was read */
  at: number;
}

export interface SseResponse {
  status: number;
  headers: Headers;
  /** Set when the answer is not an event stream (e.g. a JSON error before the stream). */
  // biome-ignore lint/suspicious/noExplicitAny: JSON error bodies are inspected freely by tests
  json?: any;
  events: SseEvent[];
  /** performance.now() when the response headers arrived */
  headersAt: number;
  /** performance.now() when the first body byte arrived */
  firstByteAt?: number;
  /** Comment lines (`: …`), e.g. heartbeats */
  comments: string[];
}

function parseFrame(frame: string, at: number): SseEvent | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('id:')) id = line.slice(3).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (data.length === 0) return undefined;
  const raw = data.join('\n');
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // not JSON: keep the text
  }
  return { event, ...(id === undefined ? {} : { id }), data: parsed, at };
}

/**
 * POSTs `body` to `url` and reads the answer as it arrives. `onEvent` sees each event the moment it is parsed
 * (before the rest of the body), which lets a test act while the server is still streaming.
 */
export async function postSse(
  url: string,
  opts: {
    token?: string;
    body?: unknown;
    raw?: string;
    headers?: Record<string, string>;
    onEvent?: (e: SseEvent) => void;
    onComment?: (text: string) => void;
  },
): Promise<SseResponse> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'text/event-stream',
    ...(opts.headers ?? {}),
  };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: opts.raw ?? JSON.stringify(opts.body ?? {}),
  });
  const out: SseResponse = {
    status: res.status,
    headers: res.headers,
    events: [],
    comments: [],
    headersAt: performance.now(),
  };
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const text = await res.text();
    try {
      out.json = JSON.parse(text);
    } catch {
      out.json = text;
    }
    return out;
  }
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const at = performance.now();
    out.firstByteAt ??= at;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (frame.startsWith(':')) {
        out.comments.push(frame.slice(1).trim());
        opts.onComment?.(frame.slice(1).trim());
        continue;
      }
      const e = parseFrame(frame, at);
      if (!e) continue;
      out.events.push(e);
      opts.onEvent?.(e);
    }
  }
  return out;
}
