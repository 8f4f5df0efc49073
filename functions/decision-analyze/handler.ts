import type { z } from 'zod';
import { analyzeDecision } from '../../layers/core/src/analysis/analyze';
import { basicOfflineAnalyzer } from '../../layers/core/src/analysis/basic-offline';
import { getConfig } from '../../layers/core/src/config';
import { httpHandler } from '../../layers/core/src/http/handler';
import { AnalyzeBody } from '../../layers/core/src/http/schemas';
import { getDb } from '../../layers/core/src/runtime/db';

const config = getConfig();

/** POST /api/v1/decision/analyze — question → structured recommendation, persisted. */
export const handler = httpHandler<z.infer<typeof AnalyzeBody>>(
  { route: 'decision-analyze', auth: true, body: AnalyzeBody },
  async (req) => {
    const db = await getDb(config);
    const { userId, orgId } = req.user;
    const result = await analyzeDecision(db, basicOfflineAnalyzer, {
      query: req.body.query,
      orgId,
      userId,
      threadId: req.body.thread_id ?? null,
    });
    return { body: result };
  },
);
