/**
 * A local stand-in for the Anthropic Messages API, faithful enough for the real `@anthropic-ai/sdk`
 * (see shared/reference/anthropic-messages-api.md): JSON and SSE responses, tool_use blocks, error bodies with
 * retry-after, count_tokens, Message Batches (create, retrieve, JSONL results at an absolute results_url),
 * both auth headers, prompt-cache accounting, simulated latency and hangs.
 * Each test scripts it: a queue of replies (or functions of the request), and it records every request.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { readBody } from './read-body';

export type FakeBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; name: string; input: unknown; id?: string };

export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export type FakeReply =
  | {
      kind?: 'message';
      content: FakeBlock[];
      stop_reason?: string;
      /** Overrides the computed usage */
      usage?: Partial<FakeUsage>;
      model?: string;
      /** Extra latency before the reply (on top of the server's time to first token) */
      delayMs?: number;
    }
  | {
      kind: 'error';
      status: number;
      type?: string;
      message?: string;
      /** `retry-after` header (seconds or an HTTP date) */
      retryAfter?: number | string;
      retryAfterMs?: number;
      headers?: Record<string, string>;
    }
  /** Never answers (`headers`), or answers and stops mid-body (`body`). */
  | { kind: 'hang'; phase?: 'headers' | 'body' }
  /** Streams some text, then an SSE `event: error` (JSON requests get a 529 instead). */
  | { kind: 'stream_error'; text?: string; type?: string; message?: string }
  /**
   * Drops the connection: after the headers and some text (stream) or part of the JSON body, the socket is
   * destroyed (`reset: true` sends a TCP RST instead of a FIN). `phase: 'headers'` drops it before any byte.
   */
  | { kind: 'drop'; phase?: 'headers' | 'body'; text?: string; reset?: boolean };

export interface RecordedRequest {
  index: number;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: recorded request bodies are inspected freely by tests
  body: any;
  stream: boolean;
  receivedAt: number;
}

export type ScriptStep = FakeReply | ((request: RecordedRequest) => FakeReply | Promise<FakeReply>);

export interface FakeAnthropicOptions {
  /** When set, requests must carry it as `x-api-key` or `authorization: Bearer` (else 401). */
  apiKey?: string;
  /** Delay before the first content (JSON: before the response). */
  ttftMs?: number;
  /** Output pacing; 0 or absent = as fast as possible. */
  tokensPerSecond?: number;
  /** Reply used when the script queue is empty (e.g. a function for benchmarks). */
  fallback?: ScriptStep;
  model?: string;
  /** Message Batches: how long a batch stays `in_progress` after it is created (default 0). */
  batchProcessingMs?: number;
  /** Message Batches: a batch reports `in_progress` to this many status checks first (default 0). */
  batchChecksBeforeEnd?: number;
}

/** A Message Batch as the stand-in keeps it. */
interface FakeBatch {
  id: string;
  createdAt: number;
  /** GET …/{id} calls so far */
  checks: number;
  // biome-ignore lint/suspicious/noExplicitAny: request params are the Messages bodies recorded as given
  requests: { custom_id: string; params: any }[];
  /** JSONL lines, computed when the batch ends */
  results?: string[];
}

export interface FakeAnthropic {
  url: string;
  requests: RecordedRequest[];
  /** Appends replies to the queue, served in order by POST /v1/messages. */
  script(...steps: ScriptStep[]): void;
  setFallback(step: ScriptStep | undefined): void;
  /** Clears the queue, the recorded requests and the prompt cache. */
  reset(): void;
  /** Replies still queued */
  pending(): number;
  close(): Promise<void>;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const estimate = (text: string) => Math.max(1, Math.ceil(text.length / 4));

/** Splits text into word-ish tokens (spaces kept), as deltas arrive from the real API. */
function tokenise(text: string): string[] {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

function splitJson(json: string, size = 16): string[] {
  const out: string[] = [];
  for (let i = 0; i < json.length; i += size) out.push(json.slice(i, i + size));
  return out.length > 0 ? out : [''];
}

// biome-ignore lint/suspicious/noExplicitAny: request bodies are validated structurally here
type Body = any;

/** Mirrors the API's own checks that matter to a client: shape, removed sampling params, tool pairing. */
function validate(body: Body): string | undefined {
  if (typeof body !== 'object' || body === null) return 'body must be a JSON object';
  for (const extra of ['temperature', 'top_p', 'top_k']) {
    if (extra in body) return `${extra}: Extra inputs are not permitted`;
  }
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return 'messages: at least one message is required';
  if (body.messages[0].role !== 'user') return 'messages: first message must use the "user" role';
  const toolNames = new Set<string>((body.tools ?? []).map((t: { name: string }) => t.name));
  if (body.tool_choice?.type === 'tool' && !toolNames.has(body.tool_choice.name)) {
    return `tool_choice: tool "${body.tool_choice.name}" not found in tools`;
  }
  for (let i = 0; i < body.messages.length; i++) {
    const m = body.messages[i];
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: invalid`;
    if (Array.isArray(m.content) && m.content.length === 0)
      return `messages.${i}: all messages must have non-empty content`;
    if (m.role !== 'assistant' || !Array.isArray(m.content)) continue;
    const ids = m.content.filter((b: Body) => b.type === 'tool_use').map((b: Body) => b.id as string);
    if (ids.length === 0) continue;
    const next = body.messages[i + 1];
    const results = new Set<string>(
      Array.isArray(next?.content)
        ? next.content.filter((b: Body) => b.type === 'tool_result').map((b: Body) => b.tool_use_id as string)
        : [],
    );
    const missing = ids.filter((id: string) => !results.has(id));
    if (next && missing.length > 0) {
      return `messages.${i + 1}: tool_use ids were found without tool_result blocks immediately after: ${missing.join(', ')}`;
    }
  }
  return undefined;
}

export async function startFakeAnthropic(opts: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const queue: ScriptStep[] = [];
  const requests: RecordedRequest[] = [];
  const cachedPrefixes = new Set<string>();
  let fallback = opts.fallback;
  let messageCounter = 0;
  let toolCounter = 0;
  const hanging = new Set<ServerResponse>();
  let baseUrl = '';

  function sendError(
    res: ServerResponse,
    status: number,
    message: string,
    type?: string,
    headers: Record<string, string> = {},
  ) {
    const requestId = `req_fake_${++messageCounter}`;
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, ...headers });
    res.end(
      JSON.stringify({
        type: 'error',
        error: { type: type ?? ERROR_TYPES[status] ?? 'api_error', message },
        request_id: requestId,
      }),
    );
  }

  function authorised(req: IncomingMessage): boolean {
    if (!opts.apiKey) return true;
    const key = req.headers['x-api-key'];
    const auth = req.headers.authorization;
    return key === opts.apiKey || auth === `Bearer ${opts.apiKey}`;
  }

  /** Usage as the API reports it: cached prefix (tools → system, up to the last cache_control) read or written. */
  function usageFor(body: Body, content: unknown[]): FakeUsage {
    const tools: unknown[] = body.tools ?? [];
    const system = body.system ?? '';
    const total = estimate(JSON.stringify(tools) + JSON.stringify(system) + JSON.stringify(body.messages));
    const marked =
      tools.some((t) => (t as { cache_control?: unknown }).cache_control) ||
      (Array.isArray(system) && system.some((b: { cache_control?: unknown }) => b.cache_control));
    let cacheRead = 0;
    let cacheWrite = 0;
    if (marked) {
      const prefix = JSON.stringify(tools) + JSON.stringify(system);
      const prefixTokens = Math.min(total, estimate(prefix));
      const key = createHash('sha256').update(`${body.model}\n${prefix}`).digest('hex');
      if (cachedPrefixes.has(key)) cacheRead = prefixTokens;
      else {
        cachedPrefixes.add(key);
        cacheWrite = prefixTokens;
      }
    }
    return {
      input_tokens: total - cacheRead - cacheWrite,
      output_tokens: estimate(JSON.stringify(content)),
      cache_creation_input_tokens: cacheWrite,
      cache_read_input_tokens: cacheRead,
    };
  }

  function toContent(blocks: FakeBlock[]) {
    return blocks.map((b) =>
      b.type === 'text'
        ? { type: 'text', text: b.text }
        : { type: 'tool_use', id: b.id ?? `toolu_fake_${++toolCounter}`, name: b.name, input: b.input },
    );
  }

  /** A scripted reply's content blocks, usage and stop reason, as both the JSON and the SSE answer carry them. */
  function replyParts(body: Body, reply: Extract<FakeReply, { content: FakeBlock[] }>) {
    const content = toContent(reply.content);
    const usage = { ...usageFor(body, content), ...reply.usage };
    const hasTool = content.some((b) => b.type === 'tool_use');
    return { content, usage, stopReason: reply.stop_reason ?? (hasTool ? 'tool_use' : 'end_turn') };
  }

  const tokenDelay = () =>
    opts.tokensPerSecond && opts.tokensPerSecond > 0 ? 1000 / opts.tokensPerSecond : 0;

  function messageOf(id: string, body: Body, reply: Extract<FakeReply, { content: FakeBlock[] }>) {
    const { content, usage, stopReason } = replyParts(body, reply);
    return {
      id,
      type: 'message',
      role: 'assistant',
      model: reply.model ?? opts.model ?? body.model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage: {
        ...usage,
        cache_creation: {
          ephemeral_5m_input_tokens: usage.cache_creation_input_tokens,
          ephemeral_1h_input_tokens: 0,
        },
      },
    };
  }

  async function replyJson(
    res: ServerResponse,
    body: Body,
    reply: Extract<FakeReply, { content: FakeBlock[] }>,
  ) {
    const id = `msg_fake_${++messageCounter}`;
    const message = messageOf(id, body, reply);
    await sleep((opts.ttftMs ?? 0) + (reply.delayMs ?? 0) + tokenDelay() * message.usage.output_tokens);
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${id}` });
    res.end(JSON.stringify(message));
  }

  // --- Message Batches: POST /v1/messages/batches, GET …/{id}, GET …/{id}/results (JSONL) -------------
  const batches = new Map<string, FakeBatch>();
  let batchCounter = 0;
  const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;

  const batchEnded = (b: FakeBatch) =>
    Date.now() - b.createdAt >= (opts.batchProcessingMs ?? 0) && b.checks > (opts.batchChecksBeforeEnd ?? 0);

  function batchView(b: FakeBatch) {
    const ended = batchEnded(b);
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    if (!ended) counts.processing = b.requests.length;
    else
      for (const line of b.results ?? [])
        counts[(JSON.parse(line) as { result: { type: keyof typeof counts } }).result.type]++;
    const created = new Date(b.createdAt).toISOString();
    return {
      id: b.id,
      type: 'message_batch',
      processing_status: ended ? 'ended' : 'in_progress',
      request_counts: counts,
      created_at: created,
      ended_at: ended ? new Date().toISOString() : null,
      expires_at: new Date(b.createdAt + 86_400_000).toISOString(),
      archived_at: null,
      cancel_initiated_at: null,
      // absolute, pointing back at this server (the SDK fetches it exactly as given)
      results_url: ended ? `${baseUrl}/v1/messages/batches/${b.id}/results` : null,
    };
  }

  /** Each request answered by the script (or the fallback), as the real batch would, in any order. */
  async function settleBatch(b: FakeBatch): Promise<void> {
    if (b.results) return;
    const lines: string[] = [];
    for (const r of b.requests) {
      const problem = validate(r.params);
      const recorded: RecordedRequest = {
        index: requests.length,
        method: 'BATCH',
        path: `/v1/messages/batches/${b.id}#${r.custom_id}`,
        headers: {},
        body: r.params,
        stream: false,
        receivedAt: Date.now(),
      };
      requests.push(recorded);
      const step = problem ? undefined : (queue.shift() ?? fallback);
      const reply = step ? (typeof step === 'function' ? await step(recorded) : step) : undefined;
      const result =
        reply && (reply.kind === undefined || reply.kind === 'message')
          ? { type: 'succeeded', message: messageOf(`msg_fake_${++messageCounter}`, r.params, reply) }
          : {
              type: 'errored',
              error: {
                type: 'error',
                error: {
                  type: 'invalid_request_error',
                  message: problem ?? 'fake-anthropic: no scripted reply for this batch request',
                },
              },
            };
      lines.push(JSON.stringify({ custom_id: r.custom_id, result }));
    }
    b.results = lines;
  }

  async function handleBatches(req: IncomingMessage, res: ServerResponse, path: string, body: Body) {
    const json = (status: number, value: unknown) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'request-id': `req_fake_${++messageCounter}`,
      });
      res.end(JSON.stringify(value));
    };
    if (req.method === 'POST' && path === '/v1/messages/batches') {
      const list = body?.requests;
      if (!Array.isArray(list) || list.length === 0 || list.length > 100_000) {
        sendError(res, 400, 'requests: between 1 and 100000 requests are required');
        return;
      }
      const ids = new Set<string>();
      for (const r of list) {
        if (typeof r?.custom_id !== 'string' || !CUSTOM_ID.test(r.custom_id) || ids.has(r.custom_id)) {
          sendError(res, 400, 'requests: custom_id must be unique and match ^[a-zA-Z0-9_-]{1,64}$');
          return;
        }
        ids.add(r.custom_id);
        if (typeof r.params !== 'object' || r.params === null || r.params.stream === true) {
          sendError(res, 400, 'requests: params must be a non-streaming Messages request');
          return;
        }
      }
      const b: FakeBatch = {
        id: `msgbatch_fake_${++batchCounter}`,
        createdAt: Date.now(),
        checks: 0,
        requests: list,
      };
      batches.set(b.id, b);
      json(200, batchView(b));
      return;
    }
    const m = /^\/v1\/messages\/batches\/([^/]+)(\/results)?$/.exec(path);
    const b = m ? batches.get(m[1] ?? '') : undefined;
    if (!m || !b || req.method !== 'GET') {
      sendError(res, 404, `Not found: ${req.method} ${path}`);
      return;
    }
    if (!m[2]) b.checks++;
    const ended = batchEnded(b);
    if (ended) await settleBatch(b);
    if (!m[2]) {
      json(200, batchView(b));
      return;
    }
    if (!ended) {
      sendError(res, 400, `Batch ${b.id} has not finished processing`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/binary' });
    res.end(`${(b.results ?? []).join('\n')}\n`);
  }

  function sse(res: ServerResponse, event: string, data: unknown) {
    if (!res.writableEnded && !res.destroyed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  function startTextBlock(res: ServerResponse, index: number) {
    sse(res, 'content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'text', text: '' },
    });
  }

  function textDelta(res: ServerResponse, index: number, text: string) {
    sse(res, 'content_block_delta', {
      type: 'content_block_delta',
      index,
      delta: { type: 'text_delta', text },
    });
  }

  /** The head of a stream that never ends normally (a hang mid-body, an error event): status and message_start. */
  function openCutShortStream(res: ServerResponse, body: Body) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    sse(res, 'message_start', {
      type: 'message_start',
      message: {
        id: `msg_fake_${++messageCounter}`,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 1, output_tokens: 1 },
      },
    });
  }

  async function replyStream(
    res: ServerResponse,
    body: Body,
    reply: Extract<FakeReply, { content: FakeBlock[] }>,
  ) {
    const { content, usage, stopReason } = replyParts(body, reply);
    const id = `msg_fake_${++messageCounter}`;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'request-id': `req_${id}`,
    });
    res.flushHeaders();
    await sleep((opts.ttftMs ?? 0) + (reply.delayMs ?? 0));
    sse(res, 'message_start', {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model: reply.model ?? opts.model ?? body.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    });
    sse(res, 'ping', { type: 'ping' });
    const delay = tokenDelay();
    for (let index = 0; index < content.length; index++) {
      const block = content[index]!;
      if (block.type === 'text') {
        startTextBlock(res, index);
        for (const token of tokenise(block.text as string)) {
          if (delay > 0) await sleep(delay);
          textDelta(res, index, token);
        }
      } else {
        sse(res, 'content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        });
        for (const part of splitJson(JSON.stringify(block.input))) {
          if (delay > 0) await sleep(delay);
          sse(res, 'content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: part },
          });
        }
      }
      sse(res, 'content_block_stop', { type: 'content_block_stop', index });
    }
    sse(res, 'message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage,
    });
    sse(res, 'message_stop', { type: 'message_stop' });
    res.end();
  }

  async function handleMessages(req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest) {
    const step = queue.shift() ?? fallback;
    if (!step) {
      sendError(res, 400, 'fake-anthropic: no scripted reply for this request');
      return;
    }
    const reply = typeof step === 'function' ? await step(recorded) : step;
    const body = recorded.body;
    switch (reply.kind) {
      case 'error': {
        const headers: Record<string, string> = { ...reply.headers };
        if (reply.retryAfter !== undefined) headers['retry-after'] = String(reply.retryAfter);
        if (reply.retryAfterMs !== undefined) headers['retry-after-ms'] = String(reply.retryAfterMs);
        sendError(res, reply.status, reply.message ?? `fake ${reply.status}`, reply.type, headers);
        return;
      }
      case 'hang': {
        hanging.add(res);
        req.on('close', () => hanging.delete(res));
        if (reply.phase === 'body') {
          if (recorded.stream) {
            openCutShortStream(res, body);
          } else {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.write('{"id":"msg_fake_hang","type":"message",');
          }
        }
        return; // never finishes; close() destroys it
      }
      case 'drop': {
        const cut = () => {
          if (reply.reset) res.socket?.resetAndDestroy();
          else res.socket?.destroy();
        };
        if (reply.phase === 'headers') {
          cut();
          return;
        }
        if (recorded.stream) {
          openCutShortStream(res, body);
          startTextBlock(res, 0);
          for (const token of tokenise(reply.text ?? 'Partial answer')) textDelta(res, 0, token);
        } else {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
          res.write('{"id":"msg_fake_drop","type":"message",');
        }
        // let the bytes leave before the connection goes
        await sleep(20);
        cut();
        return;
      }
      case 'stream_error': {
        if (!recorded.stream) {
          sendError(res, 529, reply.message ?? 'Overloaded', 'overloaded_error');
          return;
        }
        openCutShortStream(res, body);
        startTextBlock(res, 0);
        for (const token of tokenise(reply.text ?? 'Partial answer')) textDelta(res, 0, token);
        sse(res, 'error', {
          type: 'error',
          error: { type: reply.type ?? 'overloaded_error', message: reply.message ?? 'Overloaded' },
        });
        res.end();
        return;
      }
      default:
        if (recorded.stream) await replyStream(res, body, reply);
        else await replyJson(res, body, reply);
    }
  }

  const server = createServer(async (req, res) => {
    try {
      const raw = (await readBody(req)).toString('utf8');
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      let body: Body = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        sendError(res, 400, 'There was an issue with the JSON body');
        return;
      }
      const recorded: RecordedRequest = {
        index: requests.length,
        method: req.method ?? 'GET',
        path,
        headers: { ...req.headers },
        body,
        stream: body?.stream === true,
        receivedAt: Date.now(),
      };
      requests.push(recorded);
      if (!authorised(req)) {
        sendError(res, 401, 'invalid x-api-key');
        return;
      }
      if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
        const problem =
          typeof body?.model !== 'string' || !Array.isArray(body?.messages)
            ? 'model and messages are required'
            : undefined;
        if (problem) {
          sendError(res, 400, problem);
          return;
        }
        const tokens = estimate(
          JSON.stringify(body.tools ?? []) +
            JSON.stringify(body.system ?? '') +
            JSON.stringify(body.messages),
        );
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ input_tokens: tokens }));
        return;
      }
      if (path.startsWith('/v1/messages/batches')) {
        await handleBatches(req, res, path, body);
        return;
      }
      if (req.method === 'POST' && path === '/v1/messages') {
        const problem = validate(body);
        if (problem) {
          sendError(res, 400, problem);
          return;
        }
        await handleMessages(req, res, recorded);
        return;
      }
      sendError(res, 404, `Not found: ${req.method} ${path}`);
    } catch (err) {
      if (!res.headersSent) sendError(res, 500, `fake-anthropic failed: ${(err as Error).message}`);
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...steps) => {
      queue.push(...steps);
    },
    setFallback: (step) => {
      fallback = step;
    },
    reset: () => {
      queue.length = 0;
      requests.length = 0;
      cachedPrefixes.clear();
      batches.clear();
    },
    pending: () => queue.length,
    close: async () => {
      for (const res of hanging) res.destroy();
      hanging.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
