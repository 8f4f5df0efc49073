import { randomUUID } from 'node:crypto';
import type { Db } from '../db/types';
import { insertDecision } from '../decisions/store';
import type { Analyzer } from './analyzer';
import type { AnalyzeResponse } from './types';

export interface AnalyzeRequest {
  query: string;
  orgId: string;
  userId: string;
  threadId: string | null;
  signal?: AbortSignal;
}

/**
 * The analyze use case: produce the analysis, persist the decision, return the API's response shape.
 * (Caches slot in before the analyzer; see docs/caching.md.)
 */
export async function analyzeDecision(
  db: Db,
  analyzer: Analyzer,
  req: AnalyzeRequest,
): Promise<AnalyzeResponse> {
  const started = performance.now();
  const out = await analyzer.analyze({
    query: req.query,
    orgId: req.orgId,
    userId: req.userId,
    db,
    signal: req.signal,
  });
  const decisionId = randomUUID();
  const response: AnalyzeResponse = {
    decision_id: decisionId,
    query: req.query,
    thread_id: req.threadId,
    ...out.analysis,
    model: out.model,
    usage: out.usage,
    latency_ms: Math.round(performance.now() - started),
    answered_from: 'agent',
    created_at: '',
  };
  response.created_at = await insertDecision(db, {
    decisionId,
    orgId: req.orgId,
    userId: req.userId,
    threadId: req.threadId,
    response,
  });
  return response;
}
