import { getConfig } from '../../layers/core/src/config';
import { checkHealth } from '../../layers/core/src/health';
import { httpHandler } from '../../layers/core/src/http/handler';

const config = getConfig();

/** GET /health — version and the state of each dependency; 503 only when the database is down (a down cache is "degraded"). */
export const handler = httpHandler({ route: 'health', auth: false }, async () => {
  const report = await checkHealth(config);
  return { status: report.status === 'down' ? 503 : 200, body: report };
});
