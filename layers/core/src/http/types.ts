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
  /**
   * Streaming routes: the status and time (same clock as `startedAt`) of the prelude the chain produced, and the
   * report of the stream the route returned; the request is recorded when the stream ends
   * (http/stream-lifecycle.ts), not here.
   */
  prelude?: { status: number; at: number };
  stream?: StreamReport;
}

/** What a streamed body reports to the request's lifecycle (http/stream-lifecycle.ts `EventStream`). */
export interface StreamReport {
  /** Resolves once the producer ended the stream (its last writes, e.g. an idempotency record, done). */
  readonly settled: Promise<void>;
  /** How the stream ended: 200, the status of the error it failed with, or 499 when the client went away. */
  outcome(): StreamOutcome;
  /** When the first byte of the body was written (performance.now()), or undefined. */
  readonly firstByteAt: number | undefined;
}

export interface StreamOutcome {
  status: number;
  /** The error code when it failed. */
  code?: string;
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
  /** With `stream`: how it ends, so the request is recorded with its real outcome (see StreamReport). */
  report?: StreamReport;
}
