import type { z } from 'zod';
import { analyzeDecision } from '../../layers/core/src/analysis/analyze';
import { httpHandler } from '../../layers/core/src/http/handler';
import { AnalyzeBody } from '../../layers/core/src/http/schemas';
import { getRateLimiter } from '../../layers/core/src/runtime/ratelimit';
import { getServices } from '../../layers/core/src/runtime/services';

/** POST /api/v1/decision/analyze — question → structured recommendation (cached or from the agent), persisted. */
export const handler = httpHandler<z.infer<typeof AnalyzeBody>>(
  { route: 'decision-analyze', auth: true, body: AnalyzeBody },
  async (req) => {
    const { userId, orgId } = req.user;
    await (await getRateLimiter()).check('analyze', { org: orgId, subject: userId });
    const services = await getServices();
    const result = await analyzeDecision(services, {
      query: req.body.query,
      orgId,
      userId,
      threadId: req.body.thread_id ?? null,
    });
    return { body: result };
  },
);
