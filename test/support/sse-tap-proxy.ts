import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body';

/** What the tap saw of one proxied response (times are performance.now() in this process). */
export interface TapRecord {
  path: string;
  /** the request body as sent by the client (to match records to requests) */
  requestBody: string;
  streamed: boolean;
  receivedAt: number;
  /** when the first `text_delta` event arrived from upstream */
  firstTextAt?: number;
  /** when upstream finished sending the body */
  upstreamEndedAt?: number;
  /** when the tap finished sending the body to the client (later than upstream when held) */
  endedAt?: number;
}

export interface SseTapProxy {
  url: string;
  records: TapRecord[];
  /**
   * The next streamed response is forwarded up to and including its first `text_delta` event; the rest is held
   * until `release()` (called by the test once it has seen the text at the far end, or by a safety timer).
   */
  holdNextAfterFirstText(safetyMs?: number): { release(): void; readonly released: Promise<void> };
  close(): Promise<void>;
}

/**
 * An HTTP pass-through in front of the Claude stand-in that timestamps SSE traffic and can hold the rest of a
 * streamed message after its first token: with it, "the client saw a token before the model finished the
 * message" is a fact the test arranges, not a race it measures.
 */
export async function startSseTapProxy(target: string): Promise<SseTapProxy> {
  const upstream = new URL(target);
  const records: TapRecord[] = [];
  let gate: { release(): void; released: Promise<void>; claimed: boolean } | undefined;

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const record: TapRecord = {
      path: req.url ?? '/',
      requestBody: body.toString('utf8'),
      streamed: false,
      receivedAt: performance.now(),
    };
    records.push(record);
    const headers = { ...req.headers, host: upstream.host };
    const out = httpRequest(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers },
      (up) => {
        record.streamed = (up.headers['content-type'] ?? '').startsWith('text/event-stream');
        res.writeHead(up.statusCode ?? 502, up.headers);
        res.flushHeaders();
        const myGate = record.streamed && gate && !gate.claimed ? gate : undefined;
        if (myGate) myGate.claimed = true;
        let holding = false;
        const held: Buffer[] = [];
        let seen = Buffer.alloc(0);
        const finish = () => {
          if (record.endedAt !== undefined) return;
          res.end(() => {
            record.endedAt = performance.now();
          });
        };
        up.on('data', (chunk: Buffer) => {
          if (holding) {
            held.push(chunk);
            return;
          }
          if (record.firstTextAt === undefined) {
            seen = Buffer.concat([seen, chunk]);
            const at = seen.indexOf('"text_delta"');
            const frameEnd = at >= 0 ? seen.indexOf('\n\n', at) : -1;
            if (frameEnd >= 0) {
              record.firstTextAt = performance.now();
              if (myGate) {
                // forward through the end of the first text event, hold the rest
                const cut = frameEnd + 2 - (seen.length - chunk.length);
                res.write(chunk.subarray(0, cut));
                held.push(chunk.subarray(cut));
                holding = true;
                void myGate.released.then(() => {
                  holding = false;
                  for (const c of held.splice(0)) res.write(c);
                  if (record.upstreamEndedAt !== undefined) finish();
                });
                return;
              }
            }
          }
          res.write(chunk);
        });
        up.on('end', () => {
          record.upstreamEndedAt = performance.now();
          if (!holding) finish();
        });
        up.on('error', () => res.destroy());
      },
    );
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"type":"error","error":{"type":"api_error","message":"tap proxy: upstream failed"}}');
    });
    req.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    out.end(body);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    records,
    holdNextAfterFirstText(safetyMs = 5_000) {
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const timer = setTimeout(release, safetyMs);
      gate = {
        claimed: false,
        released,
        release: () => {
          clearTimeout(timer);
          release();
        },
      };
      const g = gate;
      return { release: g.release, released };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
