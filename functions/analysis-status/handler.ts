import type { z } from 'zod';
import { getConfig } from '../../layers/core/src/config';
import { httpHandler } from '../../layers/core/src/http/handler';
import { getJobsRuntime } from '../../layers/core/src/jobs/runtime';
import { statusPathSchema } from '../../layers/core/src/jobs/validation';
import { logger } from '../../layers/core/src/observability/logger';
import { getDb } from '../../layers/core/src/runtime/db';

const config = getConfig();
const runtimeOptions = { db: () => getDb(config), logger };
// Clients and stores are built once, at cold start, and reused by warm invocations.
getJobsRuntime(runtimeOptions);

/**
 * GET /api/v1/analysis/{task_id}/status — the caller's own job: status, progress, timestamps, attempts, error,
 * and the result once SUCCEEDED. Another user's or org's task, or an unknown one, is a 404.
 */
export const handler = httpHandler<undefined, Record<string, string>, z.infer<typeof statusPathSchema>>(
  { route: 'analysis-status', auth: true, params: statusPathSchema },
  async (req) => {
    const view = await getJobsRuntime(runtimeOptions).service.getStatus(
      { orgId: req.user.orgId, userId: req.user.userId },
      req.params.task_id,
    );
    return { body: view, headers: { 'Cache-Control': 'no-store' } };
  },
);
