import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { RouteSpec } from '../../functions/routes';

export interface MatchedRoute {
  route: RouteSpec;
  params: Record<string, string>;
}

interface CompiledRoute {
  route: RouteSpec;
  re: RegExp;
  names: string[];
  literal: number;
}

/** Matches request paths against the route table; literal segments win over {params}. */
export function compileRoutes(routes: readonly RouteSpec[]) {
  const compiled: CompiledRoute[] = routes.map((route) => {
    const names: string[] = [];
    const src = route.path
      .split('/')
      .map((seg) => {
        const m = /^\{(\w+)\}$/.exec(seg);
        if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(m[1]!);
        return '([^/]+)';
      })
      .join('/');
    return {
      route,
      re: new RegExp(`^${src}/?$`),
      names,
      literal: route.path.split('/').length - names.length,
    };
  });
  compiled.sort((a, b) => b.literal - a.literal);
  return {
    match(method: string, path: string): MatchedRoute | { methodNotAllowed: string[] } | undefined {
      const allowed: string[] = [];
      for (const c of compiled) {
        const m = c.re.exec(path);
        if (!m) continue;
        if (c.route.method !== method) {
          allowed.push(c.route.method);
          continue;
        }
        const params: Record<string, string> = {};
        c.names.forEach((n, i) => {
          params[n] = decodeURIComponent(m[i + 1]!);
        });
        return { route: c.route, params };
      }
      return allowed.length > 0 ? { methodNotAllowed: allowed } : undefined;
    },
  };
}

/** An API Gateway REST proxy event, as API Gateway would build it from this HTTP request. */
export function toProxyEvent(args: {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
  matched: MatchedRoute;
  sourceIp: string;
}): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(args.headers)) {
    if (v === undefined) continue;
    const values = Array.isArray(v) ? v : [v];
    headers[k] = values.join(',');
    multiValueHeaders[k] = values;
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of args.url.searchParams) {
    query[k] = v;
    multiQuery[k] = [...(multiQuery[k] ?? []), v];
  }
  const hasQuery = Object.keys(query).length > 0;
  const hasParams = Object.keys(args.matched.params).length > 0;
  const requestId = randomUUID();
  return {
    resource: args.matched.route.path,
    path: args.url.pathname,
    httpMethod: args.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: hasParams ? args.matched.params : null,
    stageVariables: null,
    body: args.body.length > 0 ? args.body.toString('utf8') : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: args.method,
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
        sourceIp: args.sourceIp,
        user: null,
        userAgent: headers['user-agent'] ?? null,
        userArn: null,
      },
      path: args.url.pathname,
      stage: 'local',
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: args.matched.route.id,
      resourcePath: args.matched.route.path,
    },
  };
}

export function lambdaContext(route: RouteSpec, requestId: string): Context {
  const deadline = Date.now() + route.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `ceo-agent-local-${route.id}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:ceo-agent-local-${route.id}`,
    memoryLimitInMB: String(route.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/ceo-agent-local-${route.id}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/**
 * Response headers as the Lambda runtime delivers them: it JSON-serialises the result (or the stream prelude),
 * which drops undefined values, and API Gateway sends every value as a string.
 */
export function definedHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}
