import type { z } from 'zod';
import { httpHandler } from '#core/http/handler';
import { listMetrics, MetricsListQuery } from '#core/orgs/metrics-import';
import { dbFor } from '#core/runtime/db';
import { functionRoot } from '#core/runtime/root';
import { needsOf } from '../routes';

const root = functionRoot('org-metrics-list', needsOf('org-metrics-list'));

/** GET /api/v1/org/metrics — the caller's org's stored metrics (`?metric=` for one), with its data version. */
export const handler = httpHandler<undefined, z.infer<typeof MetricsListQuery>>(
  { route: 'org-metrics-list', auth: true, query: MetricsListQuery },
  async (req) => ({ body: await listMetrics(await dbFor(root), req.user.orgId, req.query.metric) }),
);
