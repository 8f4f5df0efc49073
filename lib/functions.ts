import { ANALYSIS_WORKER, DB_MIGRATE, type FunctionSpec, ROUTES, type RouteSpec } from '../functions/routes';

export type { FunctionNeeds } from '#core/runtime/needs';
export { ANALYSIS_WORKER, DB_MIGRATE, type FunctionSpec };

/** The queue's visibility time-out: at least 6× the worker's time-out (AWS guidance for SQS event sources). */
export const ANALYSIS_QUEUE_VISIBILITY_SECONDS = ANALYSIS_WORKER.timeoutSeconds * 6;
/** Receives before a message moves to the DLQ; the worker marks the job FAILED on the last one. */
export const ANALYSIS_MAX_RECEIVE_COUNT = 3;

/** Every function the app deploys, with its entry: API routes, the worker, the migration handler. */
export function allFunctionEntries(routes: readonly RouteSpec[] = ROUTES): FunctionSpec[] {
  return [
    ...routes.map((r) => ({
      id: r.id,
      entry: r.entry,
      memoryMb: r.memoryMb,
      timeoutSeconds: r.timeoutSeconds,
      needs: r.needs,
    })),
    ANALYSIS_WORKER,
    DB_MIGRATE,
  ];
}

/**
 * The agent's deadline for a function whose caller waits `budgetSeconds` (the API Gateway integration time-out,
 * or the worker's own time-out): what remains after a margin for persisting the answer and writing the
 * response (5% of the budget, at least 3 s).
 */
export function agentDeadlineMs(budgetSeconds: number): number {
  const budget = budgetSeconds * 1000;
  return Math.max(1000, Math.round(budget - Math.max(3000, budget * 0.05)));
}
