/**
 * Typed errors of the core. Each carries its HTTP status and a stable machine code; the HTTP layer maps
 * them once to `{"error":{"code","message","details"?}}` (see http/error-response.ts).
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: unknown; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // Each subclass names itself with a literal: bundles are minified, and logs should name the error.
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export class ValidationError extends AppError {
  override readonly name: string = 'ValidationError';
  constructor(message: string, details?: unknown) {
    super(400, 'validation_error', message, { details });
  }
}

export class MalformedJsonError extends AppError {
  override readonly name: string = 'MalformedJsonError';
  constructor(message = 'Request body is not valid JSON') {
    super(400, 'malformed_json', message);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  override readonly name: string = 'UnsupportedMediaTypeError';
  constructor(message = 'Content-Type must be application/json') {
    super(415, 'unsupported_media_type', message);
  }
}

export class PayloadTooLargeError extends AppError {
  override readonly name: string = 'PayloadTooLargeError';
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `Request body exceeds ${limitBytes} bytes`, { details: { limitBytes } });
  }
}

export class UnauthorizedError extends AppError {
  override readonly name: string = 'UnauthorizedError';
  constructor(message = 'Authentication required', code = 'unauthorized') {
    super(401, code, message, { headers: { 'WWW-Authenticate': 'Bearer' } });
  }
}

export class ForbiddenError extends AppError {
  override readonly name: string = 'ForbiddenError';
  constructor(message = 'Not allowed') {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends AppError {
  override readonly name: string = 'NotFoundError';
  constructor(what: string) {
    super(404, 'not_found', `${what} not found`);
  }
}

export class ConflictError extends AppError {
  override readonly name: string = 'ConflictError';
  constructor(message: string, details?: unknown) {
    super(409, 'conflict', message, { details });
  }
}

export class RateLimitedError extends AppError {
  override readonly name: string = 'RateLimitedError';
  constructor(retryAfterSeconds: number) {
    const after = Math.max(1, Math.ceil(retryAfterSeconds));
    super(429, 'rate_limited', 'Too many requests; retry later', {
      headers: { 'Retry-After': String(after) },
      details: { retryAfterSeconds: after },
    });
  }
}

/** A dependency (LLM, database, queue) is unavailable or timed out; the client may retry later. */
export class UpstreamUnavailableError extends AppError {
  override readonly name: string = 'UpstreamUnavailableError';
  constructor(dependency: string, message: string, retryAfterSeconds = 5, cause?: unknown) {
    super(503, 'upstream_unavailable', message, {
      details: { dependency, retryAfterSeconds },
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
      cause,
    });
  }
}

/**
 * A deployed function that is not configured for what it was asked to do (a missing or placeholder secret, a
 * missing endpoint). It fails closed with its own code instead of quietly degrading; retrying will not help
 * until an operator fixes the configuration.
 */
export class NotConfiguredError extends AppError {
  override readonly name: string = 'NotConfiguredError';
  constructor(code: string, message: string, details?: unknown) {
    super(503, code, message, { details, headers: { 'Retry-After': '60' } });
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
