import { AppError, isAppError, UpstreamUnavailableError } from '../errors';
import type { ApiResult } from './types';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

const DB_UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '57P01',
  '57P03',
  '53300',
  '57014',
]);

const AWS_THROTTLING = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

/** The caller went away (its request's abort signal fired): nobody reads the answer; logged as expected. */
class ClientClosedError extends AppError {
  override readonly name: string = 'ClientClosedError';
  constructor(cause: unknown) {
    super(499, 'client_closed_request', 'The client closed the request', { cause });
  }
}

function isCallerAbort(err: Error): boolean {
  return (
    err.name === 'AbortError' ||
    err.name === 'APIUserAbortError' ||
    /^client (disconnected|closed)/i.test(err.message)
  );
}

/** Dependency failures that are worth a retry by the client: 503, not 500. */
export function asDependencyError(err: unknown): AppError | undefined {
  if (!(err instanceof Error)) return undefined;
  if (isCallerAbort(err)) return new ClientClosedError(err);
  // middy aborts a handler just before the Lambda time-out: the work took too long, the client may retry.
  if (err.name === 'TimeoutError' && /AbortError|aborted/i.test(err.message)) {
    return new UpstreamUnavailableError(
      'function',
      'The request took too long to complete; retry shortly',
      2,
      err,
    );
  }
  // AWS SDK v3 errors carry $metadata: server faults, throttling and network failures (after the SDK's own
  // retries) mean DynamoDB/SQS/Secrets Manager is unavailable for now.
  const aws = err as { $metadata?: unknown; $fault?: unknown; $retryable?: unknown; code?: unknown };
  if (aws.$metadata !== undefined) {
    const network = typeof aws.code === 'string' && DB_UNAVAILABLE_CODES.has(aws.code);
    if (aws.$fault === 'server' || aws.$retryable !== undefined || network || AWS_THROTTLING.has(err.name)) {
      return new UpstreamUnavailableError('aws', 'An AWS service is unavailable; retry shortly', 2, err);
    }
    return undefined;
  }
  const code = aws.code;
  if (typeof code === 'string' && DB_UNAVAILABLE_CODES.has(code)) {
    return new UpstreamUnavailableError('database', 'The database is unavailable; retry shortly', 2, err);
  }
  if (/timeout exceeded when trying to connect|Connection terminated|timed out/i.test(err.message)) {
    return new UpstreamUnavailableError('database', 'The database is unavailable; retry shortly', 2, err);
  }
  return undefined;
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode: status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** An error as the API shows it: its status, the `{"error":{…}}` body, headers (Retry-After) and whether it was expected. */
export interface ApiError {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
  /** A 4xx (the caller's doing, logged at info); false for a 5xx (logged as an error). */
  expected: boolean;
}

/**
 * Maps any thrown value to the API's error, once, for every route and both transports: the JSON error response
 * (`errorResponse`) and a stream's `failed` event (http/stream-lifecycle.ts).
 */
export function apiError(err: unknown, correlationId: string): ApiError {
  const appErr = isAppError(err) ? err : asDependencyError(err);
  if (appErr) {
    const body: ErrorBody = { error: { code: appErr.code, message: appErr.message } };
    if (appErr.details !== undefined) body.error.details = appErr.details;
    return { status: appErr.status, body, headers: appErr.headers, expected: appErr.status < 500 };
  }
  const body: ErrorBody = {
    error: { code: 'internal_error', message: 'Internal error', details: { correlationId } },
  };
  return { status: 500, body, headers: {}, expected: false };
}

/** `apiError` as an API Gateway JSON response. */
export function errorResponse(err: unknown, correlationId: string): { result: ApiResult; expected: boolean } {
  const e = apiError(err, correlationId);
  return { result: jsonResponse(e.status, e.body, e.headers), expected: e.expected };
}
