import { createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { OfflineEmbeddings } from '#core/embeddings/offline';

export type TitanStubMode = 'ok' | 'throttle-once' | 'stall' | 'wrong-dimensions';

/**
 * A tiny Bedrock Runtime stand-in speaking the InvokeModel REST shape over HTTP/2 cleartext (the SDK's
 * default transport for this client): `POST /model/{modelId}/invoke` with `{inputText, dimensions, normalize}`
 * → `{embedding, inputTextTokenCount}`. Embeddings are computed by the offline embedder so tests can
 * compare. Records requests, the highest concurrency seen and whether requests were SigV4-signed.
 */
export interface TitanStub {
  endpoint: string;
  mode: TitanStubMode;
  readonly requests: Array<{
    modelId: string;
    body: { inputText: string; dimensions: number; normalize: boolean };
    signed: boolean;
  }>;
  readonly maxInFlight: number;
  close(): Promise<void>;
}

export async function startTitanStub(): Promise<TitanStub> {
  const offline = new OfflineEmbeddings(256);
  const requests: TitanStub['requests'] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let throttled = false;
  const stalled = new Set<ServerHttp2Stream>();
  const state = { mode: 'ok' as TitanStubMode };

  const server: Http2Server = createServer();
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path'] ?? '');
    const m = /^\/model\/([^/]+)\/invoke$/.exec(path);
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => {});
    stream.on('end', () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const reply = (status: number, body: unknown, extra: Record<string, string> = {}) => {
        setTimeout(() => {
          inFlight -= 1;
          if (stream.destroyed) return;
          stream.respond({ ':status': status, 'content-type': 'application/json', ...extra });
          stream.end(JSON.stringify(body));
        }, 5);
      };
      if (headers[':method'] !== 'POST' || !m) return reply(404, { message: 'not found' });
      const body = JSON.parse(
        Buffer.concat(chunks).toString('utf8'),
      ) as TitanStub['requests'][number]['body'];
      requests.push({
        modelId: decodeURIComponent(m[1] ?? ''),
        body,
        signed: String(headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256'),
      });
      if (state.mode === 'stall') {
        stalled.add(stream);
        inFlight -= 1;
        return;
      }
      if (state.mode === 'throttle-once' && !throttled) {
        throttled = true;
        return reply(429, { message: 'Too many requests' }, { 'x-amzn-errortype': 'ThrottlingException' });
      }
      const dims = state.mode === 'wrong-dimensions' ? 8 : body.dimensions;
      const embedding = offline.embedOne(body.inputText).slice(0, dims);
      reply(
        200,
        { embedding, inputTextTokenCount: body.inputText.split(/\s+/).length },
        {
          'x-amzn-bedrock-input-token-count': '1',
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get mode() {
      return state.mode;
    },
    set mode(m: TitanStubMode) {
      state.mode = m;
      throttled = false;
    },
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    async close() {
      for (const s of stalled) s.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
