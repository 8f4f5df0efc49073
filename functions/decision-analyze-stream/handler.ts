import type { z } from 'zod';
import { streamAnalysis } from '#core/analysis/analyze-stream';
import { STREAM_FORMATS, StreamQuery } from '#core/analysis/stream-protocol';
import { ValidationError } from '#core/errors';
import { httpHandler } from '#core/http/handler';
import { AnalyzeBody } from '#core/http/schemas';
import { parseIdempotencyKey } from '#core/jobs/validation';
import { dbFor } from '#core/runtime/db';
import { rateLimiterFor } from '#core/runtime/ratelimit';
import { functionRoot } from '#core/runtime/root';
import { servicesFor } from '#core/runtime/services';
import { needsOf, ROUTES } from '../routes';

const root = functionRoot('decision-analyze-stream', needsOf('decision-analyze-stream'));
const timeoutMs = (ROUTES.find((r) => r.id === 'decision-analyze-stream')?.timeoutSeconds ?? 60) * 1000;

/**
 * POST /api/v1/decision/analyze/stream — the analyze path as server-sent events, in a response-streaming Lambda
 * (API Gateway REST integration in STREAM mode): `started` at once, then `skill_started`, `skill_finished`,
 * `text` (deltas as the model writes), `analysis` (the same result as the non-streaming route), then `done` —
 * or `failed`. `?format=ai-sdk` (or `X-Stream-Format: ai-sdk`) speaks the Vercel AI SDK's UI message stream.
 * `Idempotency-Key` replays the stored decision; see layers/core/src/analysis/analyze-stream.ts.
 * Bad input and authentication failures are answered before the stream starts, as JSON errors.
 */
export const handler = httpHandler<z.infer<typeof AnalyzeBody>, z.infer<typeof StreamQuery>>(
  { route: 'decision-analyze-stream', auth: true, body: AnalyzeBody, query: StreamQuery, streaming: true },
  async (req) => {
    const { userId, orgId } = req.user;
    const header = req.headers['x-stream-format'];
    if (header !== undefined && !(STREAM_FORMATS as readonly string[]).includes(header)) {
      throw new ValidationError(`X-Stream-Format must be one of ${STREAM_FORMATS.join(', ')}`);
    }
    await (await rateLimiterFor(root)).check('analyze', { org: orgId, subject: userId });
    return streamAnalysis(
      {
        query: req.body.query,
        threadId: req.body.thread_id ?? null,
        orgId,
        userId,
        format: req.query.format ?? (header as (typeof STREAM_FORMATS)[number] | undefined) ?? 'sse',
        idempotencyKey: parseIdempotencyKey(req.headers['idempotency-key']),
        lastEventId: req.headers['last-event-id'],
        heartbeatMs: root.config.SSE_HEARTBEAT_MS,
        retryMs: root.config.SSE_RETRY_MS,
        replayWaitMs: timeoutMs - 5_000,
        staleAfterMs: timeoutMs + 30_000,
        log: req.log,
        correlationId: req.correlationId,
      },
      { db: () => dbFor(root), services: () => servicesFor(root) },
    );
  },
);
