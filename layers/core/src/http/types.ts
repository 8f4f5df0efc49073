import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { AuthContext } from '../auth/jwt';
import type { Log } from '../observability/logger';

/** The API Gateway REST proxy event as it moves through the middleware chain. */
export interface ApiEvent extends APIGatewayProxyEvent {
  /** Set by the request-context middleware */
  ctx?: RequestContext;
  /** Set by json-body: the parsed body (undefined when there was none) */
  jsonBody?: unknown;
  /** Set by validate */
  validated?: { body: unknown; query: unknown; params: unknown };
  /** Set by authenticate */
  auth?: AuthContext;
}

export interface RequestContext {
  route: string;
  correlationId: string;
  startedAt: number;
  log: Log;
}

export type ApiResult = APIGatewayProxyResult;

export interface ApiRequest<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  /** Header names lower-cased (the chain normalises them). */
  headers: Record<string, string | undefined>;
  /** The authenticated caller; throws 401 on a route without authentication. */
  readonly user: AuthContext;
  log: Log;
  correlationId: string;
  route: string;
  event: ApiEvent;
  context: Context;
}

export interface ApiResponse {
  status?: number;
  /** Serialised as JSON */
  body?: unknown;
  headers?: Record<string, string>;
  /** Streaming routes only: piped to the client as it is written (Lambda response streaming). */
  stream?: import('node:stream').Readable;
}
