import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { TimeoutError, withTimeout } from '#core/timeout';
import { readBody } from '../local/server';
import type { StreamStart } from './instance';
import type { FunctionPool, PoolOutcome } from './pool';
import type { Assembly, LocalBindings, ResourceRef } from './template';

/**
 * API Gateway (REST), locally, as the synthesized template describes it: resources (path parts), methods,
 * AWS_PROXY integrations to Lambda (buffered, or STREAM when `ResponseTransferMode: STREAM` / the
 * `/response-streaming-invocations` URI), the integration timeout, MOCK integrations (CORS preflight), the
 * request validator's body check against the method's model type, and the gateway responses' templates for
 * the errors API Gateway itself produces (missing route, integration failure, timeout, throttling).
 */
export interface RouteDef {
  method: string;
  /** e.g. /api/v1/decisions/{id} */
  path: string;
  methodId: string;
  functionKey?: string;
  streaming: boolean;
  timeoutMs: number;
  mock?: { status: number; headers: Record<string, string> };
  /** The JSON type a request body must have (from the method's request model), when validated. */
  bodyType?: string;
}

interface GatewayResponseDef {
  status?: number;
  template?: string;
  headers: Record<string, string>;
}

export interface ApiModel {
  routes: RouteDef[];
  stageName: string;
  gatewayResponses: Map<string, GatewayResponseDef>;
}

const DEFAULT_STATUS: Record<string, number> = {
  MISSING_AUTHENTICATION_TOKEN: 403,
  BAD_REQUEST_BODY: 400,
  THROTTLED: 429,
  REQUEST_TOO_LARGE: 413,
  INTEGRATION_FAILURE: 504,
  INTEGRATION_TIMEOUT: 504,
  DEFAULT_5XX: 502,
};

const unquote = (v: unknown) => String(v).replace(/^'(.*)'$/, '$1');

/** Reads the REST API out of the templates. `functionKeyForArn` maps an integration's function ARN to a pool. */
export function readApi(
  assembly: Assembly,
  bindings: LocalBindings,
  functionKeyForArn: (arn: string) => string | undefined,
): ApiModel {
  const paths = new Map<string, string>();
  const resourcePath = (ref: unknown, stack: ResourceRef['stack']): string => {
    const r = ref as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
    if (r['Fn::GetAtt']?.[1] === 'RootResourceId') return '';
    const id = r.Ref;
    if (!id) throw new Error(`Unsupported API resource reference ${JSON.stringify(ref)}`);
    const cached = paths.get(`${stack.name}/${id}`);
    if (cached !== undefined) return cached;
    const res = assembly.find(stack, id);
    if (!res) throw new Error(`API resource ${id} not found`);
    const p = `${resourcePath(res.resource.Properties?.ParentId, stack)}/${String(res.resource.Properties?.PathPart)}`;
    paths.set(`${stack.name}/${id}`, p);
    return p;
  };

  const routes: RouteDef[] = [];
  for (const m of assembly.resources('AWS::ApiGateway::Method')) {
    const p = m.resource.Properties ?? {};
    const integration = (p.Integration ?? {}) as Record<string, unknown>;
    const path = resourcePath(p.ResourceId, m.stack) || '/';
    const method = String(p.HttpMethod).toUpperCase();
    const route: RouteDef = {
      method,
      path,
      methodId: m.logicalId,
      streaming: false,
      timeoutMs: Number(integration.TimeoutInMillis ?? 29_000),
    };
    if (integration.Type === 'MOCK') {
      const ir = (integration.IntegrationResponses as Array<Record<string, unknown>> | undefined)?.[0] ?? {};
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries((ir.ResponseParameters as Record<string, unknown>) ?? {})) {
        const h = /^method\.response\.header\.(.+)$/.exec(k);
        if (h) headers[h[1]!] = unquote(v);
      }
      route.mock = { status: Number(ir.StatusCode ?? 200), headers };
    } else if (integration.Type === 'AWS_PROXY') {
      const uri = String(assembly.resolve(integration.Uri, m.stack, bindings));
      const fnArn = /\/functions\/(.+)\/(invocations|response-streaming-invocations)$/.exec(uri);
      if (!fnArn) throw new Error(`${m.logicalId}: integration URI ${uri} is not a Lambda invocation`);
      route.functionKey = functionKeyForArn(fnArn[1]!);
      route.streaming =
        integration.ResponseTransferMode === 'STREAM' || fnArn[2] === 'response-streaming-invocations';
    } else {
      continue;
    }
    const models = p.RequestModels as Record<string, unknown> | undefined;
    const validatorRef = p.RequestValidatorId as { Ref?: string } | undefined;
    const validator = validatorRef?.Ref ? assembly.find(m.stack, validatorRef.Ref) : undefined;
    const model = models?.['application/json'] as { Ref?: string } | undefined;
    if (validator?.resource.Properties?.ValidateRequestBody && model?.Ref) {
      const schema = assembly.find(m.stack, model.Ref)?.resource.Properties?.Schema as
        | { type?: string }
        | undefined;
      route.bodyType = schema?.type;
    }
    routes.push(route);
  }

  let stageName = 'local';
  for (const s of assembly.resources('AWS::ApiGateway::Stage')) {
    stageName = String(s.resource.Properties?.StageName ?? stageName);
  }
  const gatewayResponses = new Map<string, GatewayResponseDef>();
  for (const g of assembly.resources('AWS::ApiGateway::GatewayResponse')) {
    const p = g.resource.Properties ?? {};
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((p.ResponseParameters as Record<string, unknown>) ?? {})) {
      const h = /^gatewayresponse\.header\.(.+)$/.exec(k);
      if (h) headers[h[1]!] = unquote(v);
    }
    gatewayResponses.set(String(p.ResponseType), {
      status: p.StatusCode ? Number(p.StatusCode) : undefined,
      template: (p.ResponseTemplates as Record<string, string> | undefined)?.['application/json'],
      headers,
    });
  }
  return { routes, stageName, gatewayResponses };
}

interface CompiledRoute {
  route: RouteDef;
  re: RegExp;
  names: string[];
  literal: number;
}

function compile(routes: RouteDef[]): CompiledRoute[] {
  return routes
    .map((route) => {
      const names: string[] = [];
      const src = route.path
        .split('/')
        .map((seg) => {
          const greedy = /^\{(\w+)\+\}$/.exec(seg);
          if (greedy) {
            names.push(greedy[1]!);
            return '(.+)';
          }
          const m = /^\{(\w+)\}$/.exec(seg);
          if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(m[1]!);
          return '([^/]+)';
        })
        .join('/');
      return {
        route,
        re: new RegExp(`^${src || '/'}/?$`),
        names,
        literal: route.path.split('/').length - names.length,
      };
    })
    .sort((a, b) => b.literal - a.literal);
}

export interface GatewayOptions {
  api: ApiModel;
  pools: Map<string, FunctionPool>;
  port: number;
  host: string;
  log: (line: string) => void;
  /** API Gateway's payload limit. */
  maxBodyBytes?: number;
}

export interface Gateway {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const compiled = compile(opts.api.routes);
  const maxBody = opts.maxBodyBytes ?? 10 * 1024 * 1024;

  const gatewayError = (res: ServerResponse, type: string, message: string, fallbackStatus?: number) => {
    const def =
      opts.api.gatewayResponses.get(type) ??
      opts.api.gatewayResponses.get(
        (fallbackStatus ?? DEFAULT_STATUS[type] ?? 500) >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX',
      );
    const status = def?.status ?? DEFAULT_STATUS[type] ?? fallbackStatus ?? 500;
    const body = def?.template
      ? def.template
          .replaceAll('$context.error.responseType', type)
          .replaceAll('$context.error.messageString', JSON.stringify(message))
          .replaceAll('$context.error.message', message.replace(/"/g, '\\"'))
      : JSON.stringify({ message });
    if (res.headersSent) return void res.end();
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'x-amzn-ErrorType': type,
      ...(def?.headers ?? {}),
    });
    res.end(body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      opts.log(`[gateway] ${req.method} ${req.url} failed: ${(err as Error).stack ?? err}`);
      gatewayError(res, 'DEFAULT_5XX', 'Internal server error', 500);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    // The stage prefix of a deployed URL (https://…/dev/…) is accepted and dropped.
    let pathname = url.pathname;
    const stagePrefix = `/${opts.api.stageName}`;
    if (pathname === stagePrefix || pathname.startsWith(`${stagePrefix}/`)) {
      pathname = pathname.slice(stagePrefix.length) || '/';
    }
    let match: { c: CompiledRoute; params: Record<string, string> } | undefined;
    for (const c of compiled) {
      if (c.route.method !== method && c.route.method !== 'ANY') continue;
      const m = c.re.exec(pathname);
      if (!m) continue;
      const params: Record<string, string> = {};
      c.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1]!);
      });
      match = { c, params };
      break;
    }
    if (!match) return gatewayError(res, 'MISSING_AUTHENTICATION_TOKEN', 'Missing Authentication Token');
    const route = match.c.route;
    const body = await readBody(req, maxBody);
    if (!body) return gatewayError(res, 'REQUEST_TOO_LARGE', 'Request Too Long');
    if (route.mock) {
      res.writeHead(route.mock.status, route.mock.headers);
      return void res.end();
    }
    if (route.bodyType && body.length > 0 && /json/i.test(String(req.headers['content-type'] ?? ''))) {
      if (!matchesType(body, route.bodyType))
        return gatewayError(res, 'BAD_REQUEST_BODY', 'Invalid request body');
    }
    const pool = route.functionKey ? opts.pools.get(route.functionKey) : undefined;
    if (!pool)
      return gatewayError(res, 'DEFAULT_5XX', 'Internal server error: no function for this route', 500);
    const event = proxyEvent(req, url, pathname, body, route, match.params, opts.api.stageName);
    if (route.streaming) return streamInvoke(pool, event, res);

    // An invocation still queued for an instance when API Gateway gives up is dropped, not run for nobody.
    const gaveUp = new AbortController();
    const outcome = await withTimeout(
      pool.invoke(event, { requestId: randomUUID(), signal: gaveUp.signal }),
      route.timeoutMs,
      'integration',
    ).catch((err: unknown) => {
      if (err instanceof TimeoutError) {
        gaveUp.abort();
        return 'timeout' as const;
      }
      throw err;
    });
    if (outcome === 'timeout') {
      return gatewayError(res, 'INTEGRATION_TIMEOUT', 'Endpoint request timed out');
    }
    if (outcome.kind !== 'response') return failure(res, pool, outcome);
    let result: APIGatewayProxyResult;
    try {
      result = JSON.parse(outcome.payload.toString('utf8')) as APIGatewayProxyResult;
      if (!result || typeof result !== 'object' || !Number.isInteger(result.statusCode))
        throw new Error('shape');
    } catch {
      opts.log(
        `[gateway] ${pool.def.name}: Execution failed due to configuration error: Malformed Lambda proxy response`,
      );
      return gatewayError(res, 'DEFAULT_5XX', 'Internal server error', 502);
    }
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(result.multiValueHeaders ?? {})) headers[k] = v.map(String);
    for (const [k, v] of Object.entries(result.headers ?? {})) {
      if (v !== undefined && v !== null) headers[k] = String(v);
    }
    res.writeHead(result.statusCode, headers);
    const raw = result.body ?? '';
    res.end(result.isBase64Encoded ? Buffer.from(raw, 'base64') : raw);
  }

  function failure(res: ServerResponse, pool: FunctionPool, outcome: PoolOutcome) {
    const name = pool.def.name;
    switch (outcome.kind) {
      case 'throttled':
        return gatewayError(res, 'THROTTLED', 'Rate exceeded');
      case 'timeout':
        return gatewayError(
          res,
          'INTEGRATION_TIMEOUT',
          outcome.phase === 'init'
            ? `Endpoint request timed out (${name}: init did not finish within ${pool.def.timeoutSeconds} s)`
            : `Endpoint request timed out (${name}: Task timed out after ${pool.def.timeoutSeconds.toFixed(2)} seconds)`,
        );
      case 'error':
        return gatewayError(
          res,
          'DEFAULT_5XX',
          outcome.phase === 'init'
            ? `Internal server error (${name} failed to initialise: ${outcome.errorType}: ${firstLine(outcome.errorMessage)})`
            : `Internal server error (${name}: ${outcome.errorType}: ${firstLine(outcome.errorMessage)})`,
          502,
        );
      default:
        return gatewayError(res, 'DEFAULT_5XX', 'Internal server error', 502);
    }
  }

  async function streamInvoke(pool: FunctionPool, event: APIGatewayProxyEvent, res: ServerResponse) {
    let clientGone = false;
    res.on('close', () => {
      clientGone = !res.writableFinished;
    });
    const forward = (s: StreamStart) => {
      const integration = s.contentType.startsWith('application/vnd.awslambda.http-integration-response');
      let pending: Buffer | undefined = integration ? Buffer.alloc(0) : undefined;
      if (!integration) {
        res.writeHead(200, { 'Content-Type': s.contentType });
        res.flushHeaders();
      }
      s.body.on('data', (chunk: Buffer) => {
        if (clientGone) return;
        if (pending === undefined) return void res.write(chunk);
        pending = Buffer.concat([pending, chunk]);
        const end = findPreludeEnd(pending);
        if (end < 0) return;
        const prelude = JSON.parse(pending.subarray(0, end).toString('utf8') || '{}') as {
          statusCode?: number;
          headers?: Record<string, string>;
          cookies?: string[];
        };
        const headers: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(prelude.headers ?? {})) {
          if (v !== undefined && v !== null) headers[k] = String(v);
        }
        if (prelude.cookies?.length) headers['Set-Cookie'] = prelude.cookies;
        res.writeHead(prelude.statusCode ?? 200, headers);
        res.flushHeaders();
        const rest = pending.subarray(end + 8);
        pending = undefined;
        if (rest.length > 0) res.write(rest);
      });
      s.body.on('end', () => {
        if (pending !== undefined && !res.headersSent) {
          // The handler ended without a complete prelude: nothing usable was streamed.
          return;
        }
        res.end();
      });
      s.body.on('close', () => {
        if (!res.writableEnded && res.headersSent) res.end();
      });
    };
    const outcome = await pool.invoke(event, { requestId: randomUUID(), onStream: forward });
    if (outcome.kind === 'streamed' && !outcome.errorType) {
      if (!res.headersSent) {
        res.writeHead(200);
        res.end();
      }
      return;
    }
    if (res.headersSent) {
      // Already streaming: like API Gateway, the connection just ends.
      if (!res.writableEnded) res.end();
      return;
    }
    if (outcome.kind === 'streamed') {
      return gatewayError(
        res,
        'DEFAULT_5XX',
        `Internal server error (${pool.def.name}: ${outcome.errorType}: ${firstLine(outcome.errorMessage ?? '')})`,
        502,
      );
    }
    return failure(res, pool, outcome);
  }

  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${addr.address}:${addr.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.slice(0, 300);
}

/** Index of the 8 NUL bytes that end the HTTP integration prelude, or -1. */
function findPreludeEnd(buf: Buffer): number {
  for (let i = 0; i + 8 <= buf.length; i++) {
    if (buf[i] !== 0) continue;
    let all = true;
    for (let j = 1; j < 8; j++) {
      if (buf[i + j] !== 0) {
        all = false;
        break;
      }
    }
    if (all) return i;
  }
  return -1;
}

function matchesType(body: Buffer, type: string): boolean {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    return false;
  }
  switch (type) {
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    default:
      return true;
  }
}

function proxyEvent(
  req: IncomingMessage,
  url: URL,
  path: string,
  body: Buffer,
  route: RouteDef,
  params: Record<string, string>,
  stage: string,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  // API Gateway passes header names as the client sent them.
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i]!;
    const v = req.rawHeaders[i + 1]!;
    headers[k] = headers[k] === undefined ? v : `${headers[k]},${v}`;
    multiValueHeaders[k] = [...(multiValueHeaders[k] ?? []), v];
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    multiQuery[k] = [...(multiQuery[k] ?? []), v];
  }
  const hasQuery = Object.keys(query).length > 0;
  const requestId = randomUUID();
  const now = Date.now();
  const text = body.length > 0 ? body.toString('utf8') : null;
  const binary = text !== null && Buffer.from(text, 'utf8').length !== body.length;
  return {
    resource: route.path,
    path,
    httpMethod: route.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: Object.keys(params).length > 0 ? params : null,
    stageVariables: null,
    body: binary ? body.toString('base64') : text,
    isBase64Encoded: binary,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      domainName: String(req.headers.host ?? 'localhost'),
      protocol: `HTTP/${req.httpVersion}`,
      httpMethod: route.method,
      extendedRequestId: requestId,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
        user: null,
        userAgent: String(req.headers['user-agent'] ?? ''),
        userArn: null,
      },
      path: `/${stage}${path}`,
      stage,
      requestId,
      requestTime: new Date(now).toUTCString(),
      requestTimeEpoch: now,
      resourceId: route.methodId,
      resourcePath: route.path,
    },
  };
}
