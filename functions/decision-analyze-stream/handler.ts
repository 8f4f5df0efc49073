import type { z } from 'zod';
import { analyzeDecision } from '../../layers/core/src/analysis/analyze';
import { errorResponse } from '../../layers/core/src/http/error-response';
import { httpHandler } from '../../layers/core/src/http/handler';
import { AnalyzeBody } from '../../layers/core/src/http/schemas';
import { createSseStream, SSE_HEADERS } from '../../layers/core/src/http/sse';
import { rateLimiterFor } from '../../layers/core/src/runtime/ratelimit';
import { functionRoot } from '../../layers/core/src/runtime/root';
import { servicesFor } from '../../layers/core/src/runtime/services';
import { needsOf } from '../routes';

const root = functionRoot('decision-analyze-stream', needsOf('decision-analyze-stream'));

/**
 * POST /api/v1/decision/analyze/stream — the analyze path as server-sent events, in a response-streaming Lambda
 * (API Gateway REST integration in STREAM mode): `skill_started`, `skill_finished`, `text` (deltas as the
 * model writes), `analysis` (the same result as the non-streaming route), then `done` — or `error`.
 * Bad input and authentication failures are answered before the stream starts, as JSON errors.
 */
export const handler = httpHandler<z.infer<typeof AnalyzeBody>>(
  { route: 'decision-analyze-stream', auth: true, body: AnalyzeBody, streaming: true },
  async (req) => {
    const { userId, orgId } = req.user;
    await (await rateLimiterFor(root)).check('analyze', { org: orgId, subject: userId });
    const services = await servicesFor(root);
    const sse = createSseStream();
    const abort = new AbortController();
    sse.stream.on('close', () => abort.abort(new Error('client disconnected')));
    void (async () => {
      try {
        const result = await analyzeDecision(services, {
          query: req.body.query,
          orgId,
          userId,
          threadId: req.body.thread_id ?? null,
          signal: abort.signal,
          onEvent: (e) => sse.send(e.type, e),
        });
        sse.send('analysis', result);
        sse.send('done', { decision_id: result.decision_id, latency_ms: result.latency_ms });
      } catch (err) {
        const { result, expected } = errorResponse(err, req.correlationId);
        if (expected) req.log.info('stream ended with an error', { status: result.statusCode });
        else req.log.error('stream failed', { error: err as Error });
        sse.send('error', { status: result.statusCode, ...JSON.parse(result.body) });
      } finally {
        sse.end();
      }
    })();
    return { status: 200, headers: SSE_HEADERS, stream: sse.stream };
  },
);
