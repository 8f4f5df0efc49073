import { createHash } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { readBody } from './read-body';

/**
 * A small HTTP server speaking Upstash's REST protocol in front of a real Redis (default: the test Redis,
 * TEST_REDIS_URL / REDIS_URL as set by test/support/global-redis.ts, else 127.0.0.1:6379),
 * so the real `@upstash/redis` client can be tested locally:
 * - `POST /` with a JSON command array → `{"result": …}` or `{"error": "…"}` (400);
 * - `POST /pipeline` and `POST /multi-exec` with an array of command arrays → array of `{result}|{error}`;
 * - `Authorization: Bearer <token>` (401 otherwise);
 * - with `Upstash-Encoding: base64` every string in a result is base64 (numbers and null as is, arrays
 *   recursively);
 * - scripts starting `#!lua flags=…` (rejected by Redis 7.0) are rewritten to `#!lua`, and EVALSHA of the
 *   original script's hash is mapped to the rewritten script's hash.
 */
export interface UpstashServer {
  url: string;
  token: string;
  port: number;
  /** Requests served (for tests that check the client really went over HTTP). */
  readonly requests: number;
  close(): Promise<void>;
}

export interface UpstashServerOptions {
  token?: string;
  redisUrl?: string;
  port?: number;
}

type Command = Array<string | number | boolean | null>;
type Reply = { result: unknown } | { error: string };

function sha1(s: string): string {
  return createHash('sha1').update(s).digest('hex');
}

function encode(value: unknown): unknown {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64');
  if (Array.isArray(value)) return value.map(encode);
  return value;
}

/** ioredis turns some replies into objects even in MULTI (HGETALL); Upstash answers flat RESP2 arrays. */
function flatten(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Buffer.isBuffer(value))
    return value;
  return Object.entries(value as Record<string, unknown>).flat();
}

function isCommand(v: unknown): v is Command {
  return Array.isArray(v) && v.length > 0 && typeof v[0] === 'string';
}

export async function startUpstashServer(opts: UpstashServerOptions = {}): Promise<UpstashServer> {
  const token = opts.token ?? `test-token-${Math.random().toString(36).slice(2)}`;
  const redisUrl =
    opts.redisUrl ?? process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl, {
    protocol: 2,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
  });
  redis.on('error', () => {});
  await redis.connect();
  /** sha1(original script) → sha1(rewritten script) */
  const shaMap = new Map<string, string>();
  let requests = 0;

  const rewrite = (cmd: Command): Command => {
    const name = String(cmd[0]).toUpperCase();
    const out = cmd.map((a) => (a === null ? '' : typeof a === 'boolean' ? String(a) : a)) as Command;
    const fixScript = (script: string): string => {
      if (!script.startsWith('#!lua flags=')) return script;
      const nl = script.indexOf('\n');
      const rewritten = `#!lua${nl >= 0 ? script.slice(nl) : ''}`;
      shaMap.set(sha1(script), sha1(rewritten));
      return rewritten;
    };
    if ((name === 'EVAL' || name === 'EVAL_RO') && typeof out[1] === 'string') out[1] = fixScript(out[1]);
    if (name === 'SCRIPT' && String(out[1]).toUpperCase() === 'LOAD' && typeof out[2] === 'string') {
      out[2] = fixScript(out[2]);
    }
    if ((name === 'EVALSHA' || name === 'EVALSHA_RO') && typeof out[1] === 'string') {
      out[1] = shaMap.get(out[1]) ?? out[1];
    }
    return out;
  };

  const run = async (cmd: Command): Promise<Reply> => {
    try {
      const [name, ...args] = rewrite(cmd);
      const isScriptLoad =
        String(name).toUpperCase() === 'SCRIPT' && String(args[0]).toUpperCase() === 'LOAD';
      const result = await redis.call(String(name), ...(args as Array<string | number>));
      // SCRIPT LOAD answers the hash of what the client sent, as real Upstash would.
      if (isScriptLoad && typeof cmd[2] === 'string') return { result: sha1(cmd[2]) };
      return { result };
    } catch (err) {
      return { error: (err as Error).message };
    }
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const server = createServer((req, res) => {
    void (async () => {
      requests += 1;
      if (req.method !== 'POST') return send(res, 405, { error: 'Method not allowed' });
      if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: 'Unauthorized' });
      const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
      const wrap = (r: Reply): Reply => ('result' in r && base64 ? { result: encode(r.result) } : r);
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req)).toString('utf8'));
      } catch {
        return send(res, 400, { error: 'ERR failed to parse command' });
      }
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/') {
        if (!isCommand(body)) return send(res, 400, { error: 'ERR failed to parse command' });
        const r = await run(body);
        return send(res, 'error' in r ? 400 : 200, wrap(r));
      }
      if (path === '/pipeline' || path === '/multi-exec') {
        if (!Array.isArray(body) || !body.every(isCommand)) {
          return send(res, 400, { error: 'ERR failed to parse pipeline request' });
        }
        if (path === '/pipeline') {
          const out: Reply[] = [];
          for (const cmd of body) out.push(wrap(await run(cmd)));
          return send(res, 200, out);
        }
        const multi = redis.multi();
        for (const cmd of body) {
          const [name, ...args] = rewrite(cmd);
          multi.call(String(name), ...(args as Array<string | number>));
        }
        try {
          const results = (await multi.exec()) ?? [];
          return send(
            res,
            200,
            results.map(([err, result]) =>
              err ? { error: err.message } : wrap({ result: flatten(result) }),
            ),
          );
        } catch (err) {
          return send(res, 400, { error: (err as Error).message });
        }
      }
      return send(res, 404, { error: 'Not found' });
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: (err as Error).message });
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    port,
    get requests() {
      return requests;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
