import type { IncomingMessage, ServerResponse } from 'node:http';
import { DOCS_HTML } from './docs-page';
import { buildOpenApi } from './openapi';

/**
 * Local-only pages the local runtime serves next to the API routes: `GET /openapi.json` (the generated
 * OpenAPI 3.1 description), `GET /docs` (a page that renders it). The deployed API does not serve them.
 */
export type LocalPage = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

const pages = new Map<string, LocalPage>();

export function registerLocalPage(method: string, path: string, page: LocalPage): void {
  pages.set(`${method.toUpperCase()} ${path}`, page);
}

export function localPage(method: string, path: string): LocalPage | undefined {
  return pages.get(`${method === 'HEAD' ? 'GET' : method} ${path.replace(/\/+$/, '') || '/'}`);
}

let openapi: string | undefined;
registerLocalPage('GET', '/openapi.json', (req, res) => {
  openapi ??= JSON.stringify(
    buildOpenApi({
      serverUrl: `http://${req.headers.host ?? '127.0.0.1:3000'}`,
      version: process.env.SERVICE_VERSION,
    }),
    null,
    2,
  );
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(openapi);
});
registerLocalPage('GET', '/docs', (_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(DOCS_HTML);
});
