import { httpHandler } from '../../layers/core/src/http/handler';
import { jobsFor } from '../../layers/core/src/jobs/runtime';
import {
  parseIdempotencyKey,
  type StartRequest,
  startBodySchema,
} from '../../layers/core/src/jobs/validation';
import { functionRoot } from '../../layers/core/src/runtime/root';
import { needsOf } from '../routes';

const root = functionRoot('analysis-start', needsOf('analysis-start'));
// Clients and stores are built once, at cold start, and reused by warm invocations; fail fast without a queue.
if (!jobsFor(root).queue) throw new Error('ANALYSIS_QUEUE_URL is not set');

/**
 * POST /api/v1/analysis/start — `{query, depth?}` → 202 `{task_id, status}`; `{queries:[…]}` (≤ 10) → 202
 * `{results:[…]}` with one result per item. Optional `Idempotency-Key` header: the same key and body give the
 * same task; the same key with another body is a 409. 503 when the queue refused the job (retry with the key).
 */
export const handler = httpHandler<StartRequest>(
  { route: 'analysis-start', auth: true, body: startBodySchema(root.config.MAX_QUERY_CHARS) },
  async (req) => {
    const key = parseIdempotencyKey(req.headers['idempotency-key']);
    const caller = { orgId: req.user.orgId, userId: req.user.userId };
    if (req.body.kind === 'single') {
      const started = await jobsFor(root).service.start(caller, req.body.item, key);
      return {
        status: 202,
        body: { task_id: started.task_id, status: started.status },
        headers: {
          Location: `/api/v1/analysis/${started.task_id}/status`,
          ...(started.replayed ? { 'Idempotent-Replayed': 'true' } : {}),
        },
      };
    }
    const results = await jobsFor(root).service.startBulk(caller, req.body.items, key);
    return { status: 202, body: { results } };
  },
);
