import type { z } from 'zod';
import { analyzeDecision } from '#core/analysis/analyze';
import { httpHandler } from '#core/http/handler';
import { AnalyzeBody } from '#core/http/schemas';
import { rateLimiterFor } from '#core/runtime/ratelimit';
import { functionRoot } from '#core/runtime/root';
import { servicesFor } from '#core/runtime/services';
import { needsOf } from '../routes';

const root = functionRoot('decision-analyze', needsOf('decision-analyze'));

/** POST /api/v1/decision/analyze — question → structured recommendation (cached or from the agent), persisted. */
export const handler = httpHandler<z.infer<typeof AnalyzeBody>>(
  { route: 'decision-analyze', auth: true, body: AnalyzeBody },
  async (req) => {
    const { userId, orgId } = req.user;
    await (await rateLimiterFor(root)).check('analyze', { org: orgId, subject: userId });
    const services = await servicesFor(root);
    const result = await analyzeDecision(services, {
      query: req.body.query,
      orgId,
      userId,
      threadId: req.body.thread_id ?? null,
    });
    return { body: result };
  },
);
