import { httpHandler } from '#core/http/handler';
import { jobsFor } from '#core/jobs/runtime';
import { parseIdempotencyKey, type StartRequest, startBodySchema } from '#core/jobs/validation';
import { functionRoot } from '#core/runtime/root';
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
  {
    route: 'analysis-start',
    auth: true,
    // no database here (outside the VPC): the worker checks the user before running the job
    checkUser: false,
    body: startBodySchema(root.config.MAX_QUERY_CHARS),
  },
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
