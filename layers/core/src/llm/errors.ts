import { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk/core/error';
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

export interface ErrorContext {
  /** Our own guard fired: the agent deadline or the stream idle timer. */
  timedOut?: string;
}

/**
 * Maps whatever the SDK threw (after its own retries) to the core's errors: temporary unavailability →
 * UpstreamUnavailableError('llm', …, retryAfterSeconds) (HTTP 503 + Retry-After); other API errors →
 * LlmRequestError (502). A cancellation by the caller is passed through unchanged.
 */
export function toLlmError(err: unknown, ctx: ErrorContext = {}): Error {
  if (err instanceof AppError) return err;
  if (ctx.timedOut)
    return new UpstreamUnavailableError('llm', ctx.timedOut, DEFAULT_RETRY_AFTER_SECONDS, err);
  if (err instanceof APIUserAbortError) return err;
  if (err instanceof APIConnectionError) {
    return new UpstreamUnavailableError(
      'llm',
      `Claude unreachable: ${err.message}`,
      DEFAULT_RETRY_AFTER_SECONDS,
      err,
    );
  }
  if (err instanceof APIError) {
    const status = err.status;
    if (status === undefined) {
      // An `event: error` in the middle of a stream (not retried by the SDK).
      if (err.type === null || UNAVAILABLE_TYPES.has(err.type)) {
        return new UpstreamUnavailableError(
          'llm',
          `Claude stream failed: ${err.message}`,
          DEFAULT_RETRY_AFTER_SECONDS,
          err,
        );
      }
      return new LlmRequestError(`Claude stream failed: ${err.message}`, undefined, err);
    }
    if (status === 408 || status === 409 || status === 429 || status >= 500) {
      return new UpstreamUnavailableError(
        'llm',
        `Claude unavailable (HTTP ${status})`,
        retryAfterSeconds(err.headers),
        err,
      );
    }
    return new LlmRequestError(`Claude rejected the request (HTTP ${status}): ${err.message}`, status, err);
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
