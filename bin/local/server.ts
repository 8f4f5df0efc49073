import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { TimeoutError, withTimeout } from '#core/timeout';
import { ROUTES, type RouteSpec } from '../../functions/routes';
import { compileRoutes, definedHeaders, lambdaContext, toProxyEvent } from './events';
import { localPage } from './pages';
import { installAwsLambdaGlobal, isStreamingHandler, responseStreamFor } from './streaming';

/** API Gateway's own payload limit; the handlers enforce the API's (smaller) body limit themselves. */
const GATEWAY_MAX_BODY = 10 * 1024 * 1024;

type HttpFn = (event: unknown, context: Context) => Promise<APIGatewayProxyResult>;
type StreamFn = (event: unknown, stream: NodeJS.WritableStream, context: Context) => Promise<void>;

export interface LocalServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, code: string, message: string, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify({ error: { code, message } }));
}

/** The request body, or undefined (and the request destroyed) once it exceeds `max` bytes. */
export function readBody(req: IncomingMessage, max = GATEWAY_MAX_BODY): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Serves every route of functions/routes.ts on one port the way API Gateway + Lambda would: each request
 * becomes a REST proxy event for that route's handler module, imported once and reused (module scope lives
 * across requests like a warm Lambda). Streaming handlers stream (chunked) as they write.
 */
export async function startLocalServer(
  opts: { port?: number; host?: string; routes?: readonly RouteSpec[] } = {},
) {
  installAwsLambdaGlobal();
  const routes = opts.routes ?? ROUTES;
  const router = compileRoutes(routes);
  const modules = new Map<string, Promise<unknown>>();
  const root = new URL('../../', import.meta.url);
  const load = (route: RouteSpec) => {
    let m = modules.get(route.id);
    if (!m) {
      m = import(pathToFileURL(new URL(route.entry, root).pathname).href).then(
        (mod: { handler?: unknown }) => {
          if (typeof mod.handler !== 'function') throw new Error(`${route.entry} does not export a handler`);
          return mod.handler;
        },
      );
      m.catch(() => modules.delete(route.id));
      modules.set(route.id, m);
    }
    return m;
  };

  const server = createServer(async (req, res) => {
    try {
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://localhost');
        // API Gateway answers a malformed %-escape in the path with a 400 before any function runs.
        decodeURIComponent(url.pathname);
      } catch {
        return sendJson(res, 400, 'malformed_path', 'The request path is not a valid URL path');
      }
      const method = (req.method ?? 'GET').toUpperCase();
      if (method === 'OPTIONS') {
        res.writeHead(204, {
          'Access-Control-Allow-Origin': process.env.CORS_ORIGIN ?? '*',
          'Access-Control-Allow-Headers': 'Authorization,Content-Type,Idempotency-Key,X-Correlation-Id',
          'Access-Control-Allow-Methods': 'GET,POST,OPTIONS',
          'Access-Control-Max-Age': '600',
        });
        res.end();
        return;
      }
      // local-only pages (/openapi.json, /docs, /dashboard): not API routes, never deployed
      const page = localPage(method, url.pathname);
      if (page) return await page(req, res, url);
      const matched = router.match(method, url.pathname);
      if (!matched) return sendJson(res, 404, 'route_not_found', `No route for ${method} ${url.pathname}`);
      if ('methodNotAllowed' in matched) {
        return sendJson(res, 405, 'method_not_allowed', `Use ${matched.methodNotAllowed.join(', ')}`, {
          Allow: matched.methodNotAllowed.join(', '),
        });
      }
      const body = await readBody(req);
      if (!body) return sendJson(res, 413, 'payload_too_large', 'Request body exceeds 10 MB');
      const event = toProxyEvent({
        method,
        url,
        headers: req.headers,
        body,
        matched,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      });
      const context = lambdaContext(matched.route, event.requestContext.requestId ?? randomUUID());
      const handler = await load(matched.route);
      if (matched.route.streaming && isStreamingHandler(handler)) {
        const stream = responseStreamFor(res, { 'Cache-Control': 'no-store' });
        try {
          await (handler as StreamFn)(event, stream, context);
        } catch (err) {
          if (res.destroyed) return; // the client disconnected mid-stream: nothing to answer
          throw err;
        }
        if (!res.writableEnded && !stream.destroyed) stream.end();
        return;
      }
      const timeoutMs = matched.route.timeoutSeconds * 1000;
      let result: Awaited<ReturnType<HttpFn>>;
      try {
        result = await withTimeout((handler as HttpFn)(event, context), timeoutMs, 'handler');
      } catch (err) {
        if (!(err instanceof TimeoutError)) throw err;
        return sendJson(res, 504, 'gateway_timeout', `Handler did not answer within ${timeoutMs} ms`);
      }
      res.writeHead(result.statusCode, definedHeaders(result.headers));
      res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
    } catch (err) {
      console.error('[local] handler crashed:', err);
      if (!res.headersSent) sendJson(res, 502, 'bad_gateway', 'The function failed to produce a response');
      else res.end();
    }
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 3000, opts.host ?? '127.0.0.1', resolve));
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  } satisfies LocalServer;
}
