import { checkHealth, isHealthOperator, publicHealth } from '#core/health';
import { httpHandler } from '#core/http/handler';
import { functionRoot } from '#core/runtime/root';
import { needsOf } from '../routes';

const root = functionRoot('health', needsOf('health'));

/**
 * GET /health — public: `{status: ok|degraded|down, version}`; with an admin's bearer JWT, also the stage and the
 * state of each dependency (with error strings). 503 only when the database is down (a down cache is "degraded").
 */
export const handler = httpHandler({ route: 'health', auth: false }, async (req) => {
  const detailed = await isHealthOperator(req.headers.authorization, root.config);
  const report = await checkHealth(root.config);
  return {
    status: report.status === 'down' ? 503 : 200,
    body: detailed ? report : publicHealth(report),
    headers: { 'Cache-Control': 'no-store' },
  };
});
