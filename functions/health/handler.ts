import { checkHealth } from '../../layers/core/src/health';
import { httpHandler } from '../../layers/core/src/http/handler';
import { functionRoot } from '../../layers/core/src/runtime/root';
import { needsOf } from '../routes';

const root = functionRoot('health', needsOf('health'));

/** GET /health — version and the state of each dependency; 503 only when the database is down (a down cache is "degraded"). */
export const handler = httpHandler({ route: 'health', auth: false }, async () => {
  const report = await checkHealth(root.config);
  return { status: report.status === 'down' ? 503 : 200, body: report };
});
