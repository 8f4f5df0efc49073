import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { Db } from '../db/types';
import { getDecision } from '../decisions/store';
import type { AnalyzeResponse } from '../decisions/types';
import { ConflictError } from '../errors';
import { SSE_HEADERS } from '../http/sse';
import { EventStream } from '../http/stream-lifecycle';
import type { ApiResponse } from '../http/types';
import type { Log } from '../observability/logger';
import type { Services } from '../runtime/services';
import { analyzeDecision } from './analyze';
import { finishStreamKey, hashOf, readStreamKey, reserveStreamKey } from './stream-idempotency';
import {
  AI_SDK_HEADERS,
  aiSdkWriter,
  decisionIdOfEventId,
  type StreamFormat,
  type StreamWriter,
  sseWriter,
} from './stream-protocol';

export interface StreamAnalysisRequest {
  query: string;
  threadId: string | null;
  orgId: string;
  userId: string;
  format: StreamFormat;
  idempotencyKey?: string;
  /** The `Last-Event-ID` header of a reconnecting EventSource client. */
  lastEventId?: string;
  heartbeatMs: number;
  retryMs: number;
  /** How long a replay waits for the first request's decision before giving up (below the route's time-out). */
  replayWaitMs: number;
  /** A key held longer than this by a `running` request is taken over (its function died). */
  staleAfterMs: number;
  log: Log;
  correlationId: string;
}

export interface StreamAnalysisDeps {
  db: () => Promise<Db>;
  services: () => Promise<Services>;
  /** Waits between polls of a replay whose first request is still running (tests pass a fast one). */
  sleep?: (ms: number) => Promise<void>;
}

/** `204 No Content`: the answer EventSource clients treat as "do not reconnect". */
function noContent(headers: Record<string, string> = {}): ApiResponse {
  const stream = new PassThrough();
  stream.end();
  return { status: 204, headers: { 'Cache-Control': 'no-store', ...headers }, stream };
}

/** The skill events of a stored decision, so a replayed stream shows the same skills as the original. */
function* storedSkillEvents(r: AnalyzeResponse) {
  let i = 0;
  for (const s of r.skills) {
    const id = `replay-${i++}`;
    yield { type: 'skill_started' as const, id, name: s.name };
    yield {
      type: 'skill_finished' as const,
      id,
      name: s.name,
      ok: s.ok,
      duration_ms: s.duration_ms,
      figures: s.figures,
      ...(s.error ? { error: s.error } : {}),
    };
  }
}

/**
 * The streaming analyze use case around `analyzeDecision`: the `started` event at once (with the decision id
 * to come and the reconnection delay), heartbeat comments while the agent is silent, an `id:` on every event,
 * `failed` (not `error`, which EventSource reserves for its own connection errors) when the run fails, and
 * Idempotency-Key replays that stream the stored decision instead of running a second analysis.
 * Errors found before the stream (a key reused with another body) throw, so they are JSON 4xx answers.
 */
export async function streamAnalysis(
  req: StreamAnalysisRequest,
  deps: StreamAnalysisDeps,
): Promise<ApiResponse> {
  const db = await deps.db();
  const caller = { orgId: req.orgId, userId: req.userId };
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  // An EventSource reconnecting after the stream it read ended: its decision is stored, so tell it to stop.
  const previous = decisionIdOfEventId(req.lastEventId);
  if (previous && !req.idempotencyKey) {
    const stored = await getDecision(db, { orgId: req.orgId, decisionId: previous });
    if (stored) return noContent({ 'X-Decision-Id': previous });
  }

  let decisionId: string = randomUUID();
  let replay = false;
  if (req.idempotencyKey) {
    const bodyHash = hashOf({ query: req.query, thread_id: req.threadId });
    const got = await reserveStreamKey(db, {
      ...caller,
      key: req.idempotencyKey,
      bodyHash,
      decisionId,
      staleAfterMs: req.staleAfterMs,
    });
    if (!got.reserved) {
      if (got.existing.body_hash !== bodyHash) {
        throw new ConflictError('Idempotency-Key was already used with a different request body');
      }
      decisionId = got.existing.decision_id;
      replay = true;
      // A reconnect after a replayed stream ended: nothing more to send.
      if (previous === decisionId) return noContent({ 'X-Decision-Id': decisionId });
    }
  }

  // The stream's lifecycle (heartbeats, client gone → abort, errors as objects, the request recorded when the
  // stream ends with its real outcome) is http/stream-lifecycle.ts's; this module writes the analysis events.
  const events = new EventStream({
    heartbeatMs: req.heartbeatMs,
    log: req.log,
    correlationId: req.correlationId,
  });
  const w: StreamWriter =
    req.format === 'ai-sdk' ? aiSdkWriter(events.sse, decisionId) : sseWriter(events.sse, decisionId);
  const fail = (err: unknown) => {
    const e = events.fail(err);
    w.failed(e.status, e.body);
  };

  w.started({
    decision_id: decisionId,
    replayed: replay,
    retry_ms: req.retryMs,
    heartbeat_ms: req.heartbeatMs,
  });

  const live = async () => {
    let ok = false;
    try {
      const services = await deps.services();
      const result = await analyzeDecision(services, {
        query: req.query,
        orgId: req.orgId,
        userId: req.userId,
        threadId: req.threadId,
        decisionId,
        signal: events.signal,
        onEvent: (e) => w.event(e),
      });
      ok = true;
      w.analysis(result);
      w.done(result);
    } catch (err) {
      fail(err);
    } finally {
      if (req.idempotencyKey) {
        await finishStreamKey(db, { ...caller, key: req.idempotencyKey, decisionId, ok }).catch((err) =>
          req.log.warn('idempotency record not updated', { error: err as Error }),
        );
      }
    }
  };

  const replayStored = async () => {
    const deadline = performance.now() + req.replayWaitMs;
    try {
      for (let wait = 50; ; wait = Math.min(wait * 2, 1_000)) {
        const stored = await getDecision(db, { orgId: req.orgId, decisionId });
        if (stored) {
          for (const e of storedSkillEvents(stored)) w.event(e);
          w.analysis(stored);
          w.done(stored);
          return;
        }
        const rec = await readStreamKey(db, req.orgId, req.userId, req.idempotencyKey!);
        if (!rec || rec.decision_id !== decisionId || rec.status === 'failed') {
          throw new ConflictError('The request with this Idempotency-Key failed; retry it to run it again');
        }
        if (w.closed || performance.now() > deadline) {
          throw new ConflictError('The request with this Idempotency-Key is still running; retry shortly');
        }
        await sleep(wait);
      }
    } catch (err) {
      fail(err);
    }
  };

  void (replay ? replayStored() : live()).finally(() => events.end());
  return events.response({
    ...SSE_HEADERS,
    ...(req.format === 'ai-sdk' ? AI_SDK_HEADERS : {}),
    'X-Decision-Id': decisionId,
    ...(replay ? { 'Idempotent-Replayed': 'true' } : {}),
  });
}
