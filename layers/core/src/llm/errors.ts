import {
  AnthropicError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk/core/error';
import { AppError, UpstreamUnavailableError } from '../errors';

/** The model's structured answer stayed invalid after one corrective retry. */
export class LlmOutputError extends AppError {
  override readonly name: string = 'LlmOutputError';
  constructor(message: string, details?: unknown) {
    super(502, 'llm_invalid_output', message, { details });
  }
}

/** Claude refused the request for a reason a retry will not fix (bad request, credentials, permissions). */
export class LlmRequestError extends AppError {
  override readonly name: string = 'LlmRequestError';
  constructor(message: string, status: number | undefined, cause?: unknown) {
    super(502, 'llm_request_failed', message, { details: { upstreamStatus: status ?? null }, cause });
  }
}

const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** Seconds from `retry-after-ms` / `retry-after` (seconds or HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers | undefined | null, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const after = headers.get('retry-after');
  if (after === null || after.trim() === '') return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function retryAfterSeconds(headers: Headers | undefined | null): number {
  const ms = retryAfterMs(headers);
  return ms === undefined ? DEFAULT_RETRY_AFTER_SECONDS : Math.max(1, Math.ceil(ms / 1000));
}

const UNAVAILABLE_TYPES = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error']);

const TRANSPORT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_ABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
const TRANSPORT_MESSAGE =
  /^(terminated|fetch failed|socket hang up|other side closed|premature close|aborted)$|ECONNRESET|EPIPE|connection (reset|closed|terminated)/i;

/**
 * A dropped or reset connection, anywhere in the cause chain: undici's plain `TypeError: terminated` (the body
 * stopped mid-stream), the SDK's `AnthropicError("terminated")` around it, socket codes. Retrying may help.
 */
export function isTransportError(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 6 && e instanceof Error; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSPORT_CODES.has(code)) return true;
    if (TRANSPORT_MESSAGE.test(e.message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export interface ErrorContext {
  /** Our own guard fired: the agent deadline or the stream idle timer. */
  timedOut?: string;
}

/**
 * Maps whatever the SDK threw (after its own retries) to the core's errors: temporary unavailability and every
 * transport failure (unreachable, dropped or reset connection, a stream cut short) →
 * UpstreamUnavailableError('llm', …, retryAfterSeconds) (HTTP 503 + Retry-After); other API errors →
 * LlmRequestError (502). Messages are ours; the SDK's text stays in `cause`. A cancellation by the caller is
 * passed through unchanged.
 */
export function toLlmError(err: unknown, ctx: ErrorContext = {}): Error {
  if (err instanceof AppError) return err;
  if (ctx.timedOut)
    return new UpstreamUnavailableError('llm', ctx.timedOut, DEFAULT_RETRY_AFTER_SECONDS, err);
  if (err instanceof APIUserAbortError) return err;
  if (err instanceof APIConnectionError) {
    const what = err instanceof APIConnectionTimeoutError ? 'Claude timed out' : 'Claude is unreachable';
    return new UpstreamUnavailableError('llm', what, DEFAULT_RETRY_AFTER_SECONDS, err);
  }
  if (err instanceof APIError) {
    const status = err.status;
    if (status === undefined) {
      // An `event: error` in the middle of a stream (not retried by the SDK).
      if (err.type === null || UNAVAILABLE_TYPES.has(err.type)) {
        return new UpstreamUnavailableError(
          'llm',
          'Claude stream failed; retry shortly',
          DEFAULT_RETRY_AFTER_SECONDS,
          err,
        );
      }
      return new LlmRequestError('Claude stream failed', undefined, err);
    }
    if (status === 408 || status === 409 || status === 429 || status >= 500) {
      return new UpstreamUnavailableError(
        'llm',
        `Claude unavailable (HTTP ${status})`,
        retryAfterSeconds(err.headers),
        err,
      );
    }
    // Claude's own wording stays in the cause (logged), never in a response.
    return new LlmRequestError(`Claude rejected the request (HTTP ${status})`, status, err);
  }
  // The connection dropped mid-stream or mid-body (no APIConnectionError: the SDK saw headers first).
  if (isTransportError(err) || (err instanceof AnthropicError && !(err instanceof APIError))) {
    return new UpstreamUnavailableError(
      'llm',
      'The connection to Claude was lost; retry shortly',
      DEFAULT_RETRY_AFTER_SECONDS,
      err,
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Abort reason of the agent's overall time budget (distinguishes it from a caller's cancellation). */
export class DeadlineExceeded extends Error {
  override readonly name: string = 'DeadlineExceeded';
  constructor(ms: number) {
    super(`analysis exceeded its ${ms} ms time budget`);
    this.name = 'DeadlineExceeded';
  }
}
