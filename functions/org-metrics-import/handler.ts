import { ForbiddenError } from '#core/errors';
import { httpHandler } from '#core/http/handler';
import { importMetrics, parseMetricsCsv, validateMetricRows } from '#core/orgs/metrics-import';
import { dbFor } from '#core/runtime/db';
import { functionRoot } from '#core/runtime/root';
import { needsOf } from '../routes';

const root = functionRoot('org-metrics-import', needsOf('org-metrics-import'));

/**
 * POST /api/v1/org/metrics — admins import their org's company metrics: JSON `{metrics:[{metric, period,
 * value, unit?}]}` or CSV (`Content-Type: text/csv`, header `metric,period,value[,unit]`). Validated as a
 * whole (every issue listed, nothing written on error), one transaction, upsert by (metric, period); an
 * import that changes anything bumps the org's data version, so answers cached from the old data are not
 * served again. 403 `forbidden` for a non-admin.
 */
export const handler = httpHandler<unknown>(
  { route: 'org-metrics-import', auth: true, csvBody: true },
  async (req) => {
    if (req.user.role !== 'admin') throw new ForbiddenError('Importing metrics requires the admin role');
    const body = req.event.jsonBody as { csv?: unknown } | undefined;
    const raw =
      body && typeof body === 'object' && typeof body.csv === 'string' && Object.keys(body).length === 1
        ? { metrics: parseMetricsCsv(body.csv) }
        : body;
    const rows = validateMetricRows(raw);
    const result = await importMetrics(await dbFor(root), req.user.orgId, rows);
    req.log.info('metrics imported', { ...result, metrics: result.metrics.length });
    return { status: 200, body: result };
  },
);
