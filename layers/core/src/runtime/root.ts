import { type Config, getConfig } from '../config';
import { assertFunctionEnv, type FunctionNeeds } from './needs';

/**
 * A function's composition root: its id, its needs profile (functions/routes.ts) and its config. Each handler
 * module creates one at module scope (Lambda INIT), so its environment is checked once at cold start (a
 * deployed function missing a variable fails its init, naming it). The adapters come from accessors next to
 * the process-wide instances they return — `dbFor(root)` (runtime/db.ts), `cacheFor`, `rateLimiterFor`,
 * `searchServicesFor`, `servicesFor` (the agent), `jobsFor` — each built once per instance and reused warm.
 * A handler imports only the accessors it uses, so its bundle carries only those adapters; an accessor for
 * something the profile does not declare throws, so the first test that runs the route catches the mismatch.
 */
export interface FunctionRoot {
  readonly id: string;
  readonly needs: FunctionNeeds;
  readonly config: Config;
  /** Throws unless the profile declares this need. */
  require(need: keyof FunctionNeeds): void;
}

export function functionRoot(
  id: string,
  needs: FunctionNeeds,
  env: NodeJS.ProcessEnv = process.env,
): FunctionRoot {
  assertFunctionEnv(id, needs, env);
  return {
    id,
    needs,
    config: getConfig(),
    require(need) {
      if (!needs[need]) {
        throw new Error(
          `Function ${id} uses "${need}" but its profile in functions/routes.ts does not declare it`,
        );
      }
    },
  };
}
