import type { z } from 'zod';
import { httpHandler } from '#core/http/handler';
import { jobsFor } from '#core/jobs/runtime';
import { statusPathSchema } from '#core/jobs/validation';
import { functionRoot } from '#core/runtime/root';
import { needsOf } from '../routes';

const root = functionRoot('analysis-status', needsOf('analysis-status'));
// Clients and stores are built once, at cold start, and reused by warm invocations.
jobsFor(root);

/**
 * GET /api/v1/analysis/{task_id}/status — the caller's own job: status, progress, timestamps, attempts, error,
 * and the result once SUCCEEDED. Another user's or org's task, or an unknown one, is a 404.
 */
export const handler = httpHandler<undefined, Record<string, string>, z.infer<typeof statusPathSchema>>(
  { route: 'analysis-status', auth: true, params: statusPathSchema },
  async (req) => {
    const view = await jobsFor(root).service.getStatus(
      { orgId: req.user.orgId, userId: req.user.userId },
      req.params.task_id,
    );
    return { body: view, headers: { 'Cache-Control': 'no-store' } };
  },
);
